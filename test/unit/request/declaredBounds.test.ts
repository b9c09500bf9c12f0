/**
 * The run settings are checked against what their properties declare (default, minValue, maxValue,
 * numberPrecision), so a bound changed in the description is the bound enforced; and a description
 * that states a range states the declared one.
 */
import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { completeTextProperties } from '../../../nodes/NanoGpt/description/completeText';
import { optionsCollection } from '../../../nodes/NanoGpt/description/options';
import { requestOptionsCollection } from '../../../nodes/NanoGpt/description/requestOptions';
import { readOutputSettings, readRequestSettings } from '../../../nodes/NanoGpt/request/runSettings';

/** How each number option reaches the settings: the value the node uses for a given parameter value. */
const readers: Record<string, (value: IDataObject[string]) => number> = {
	concurrency: (value) => readRequestSettings({ concurrency: value }).concurrency,
	requestsPerSecond: (value) => readRequestSettings({ requestsPerSecond: value }).requestsPerSecond,
	maxRetries: (value) => readRequestSettings({ maxRetries: value }).maxRetries,
	timeout: (value) => readRequestSettings({ timeout: value }).timeoutMs,
	streamIdleTimeout: (value) => readRequestSettings({ streamIdleTimeout: value }).streamIdleTimeoutMs / 1000,
	maxSpendPerRun: (value) => readRequestSettings({ maxSpendPerRun: value }).maxSpendPerRunUsd,
	jsonRetries: (value) => readOutputSettings(true, { jsonOutput: true, jsonRetries: value }).jsonRetries,
};

function numberProperties(collection: INodeProperties): INodeProperties[] {
	return (collection.options ?? []).filter((entry): entry is INodeProperties => 'type' in entry && entry.type === 'number');
}

const settings = [
	...numberProperties(requestOptionsCollection).map((property) => ({ collection: requestOptionsCollection, property })),
	...numberProperties(optionsCollection)
		.filter((property) => property.name in readers)
		.map((property) => ({ collection: optionsCollection, property })),
];

test('every number of Request Options is read by the settings', () => {
	expect(numberProperties(requestOptionsCollection).map((property) => property.name).filter((name) => !(name in readers))).toEqual([]);
});

describe.each(settings.map(({ collection, property }) => [`${collection.displayName} > ${property.displayName}`, property]))(
	'%s',
	(label, property) => {
		const read = readers[property.name];
		const { minValue, maxValue, numberPrecision } = (property.typeOptions ?? {}) as {
			minValue?: number;
			maxValue?: number;
			numberPrecision?: number;
		};
		const range =
			minValue !== undefined && maxValue !== undefined
				? `between ${minValue} and ${maxValue}`
				: minValue !== undefined
					? `at least ${minValue}`
					: `at most ${maxValue}`;
		const refusal = (value: number) => `Invalid value for "${label}": must be ${range}, got ${value}`;

		it('defaults to the declared default', () => {
			expect(read(undefined)).toBe(property.default);
		});

		it('takes the declared bounds and refuses what lies beyond them', () => {
			if (minValue !== undefined) {
				expect(read(minValue)).toBe(minValue);
				expect(() => read(minValue - 1)).toThrow(refusal(minValue - 1));
			}
			if (maxValue !== undefined) {
				expect(read(maxValue)).toBe(maxValue);
				expect(() => read(maxValue + 1)).toThrow(refusal(maxValue + 1));
			}
		});

		it(numberPrecision === 0 ? 'refuses fractions (precision 0)' : 'takes fractions', () => {
			const fraction = (minValue ?? 0) + 1.5;
			if (numberPrecision === 0) {
				expect(() => read(fraction)).toThrow(`Invalid value for "${label}": must be a whole number, got ${fraction}`);
			} else expect(read(fraction)).toBe(fraction);
		});
	},
);

/** Every number property of the node, inside collections too. */
function allNumberProperties(properties: readonly INodeProperties[]): INodeProperties[] {
	return properties.flatMap((property) => [
		...(property.type === 'number' ? [property] : []),
		...allNumberProperties((property.options ?? []).filter((entry): entry is INodeProperties => 'type' in entry)),
	]);
}

/** The range a description states in words ("between 0 and 2", "at least 1", "0 or more"), if any. */
function statedRange(description: string): { minValue?: number; maxValue?: number } | undefined {
	const between = /between (-?[\d.]+) and (-?[\d.]+)/i.exec(description);
	if (between) return { minValue: Number(between[1]), maxValue: Number(between[2]) };
	const atLeast = /at least (-?[\d.]+)|(-?[\d.]+) or more/.exec(description);
	if (atLeast) return { minValue: Number(atLeast[1] ?? atLeast[2]) };
	return undefined;
}

const statingARange = allNumberProperties(completeTextProperties).filter((property) => statedRange(property.description ?? ''));

test('the descriptions that state a range are found', () => {
	expect(statingARange.map((property) => property.name)).toEqual(expect.arrayContaining(['temperature', 'maxTokens', 'jsonRetries']));
});

test.each(statingARange.map((property) => [property.displayName, property]))(
	'%s: the range its description states is the declared one',
	(_name, property) => {
		const { minValue, maxValue } = (property.typeOptions ?? {}) as { minValue?: number; maxValue?: number };
		expect(statedRange(property.description ?? '')).toEqual({ minValue, maxValue });
	},
);
