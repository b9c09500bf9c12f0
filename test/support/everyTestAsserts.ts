// Every test must assert at least once: a loop over an empty list, or a check that never ran,
// fails instead of passing. Registered for every jest project in jest.config.js.
beforeEach(() => {
	expect.hasAssertions();
});
