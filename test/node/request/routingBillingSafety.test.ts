/**
 * Provider Routing, routing suffixes, Billing Mode, Moderation, PII Redaction and the usage and cost
 * details NanoGPT returns, in n8n-core's WorkflowExecute against the emulator: what reaches NanoGPT,
 * what the output says it cost, and how NanoGPT's refusals name the node parameter.
 */
import type { IDataObject, INodeParameters } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { NanoGptApi } from '../../../credentials/NanoGptApi.credentials';
import { NanoGpt } from '../../../nodes/NanoGpt/NanoGpt.node';
import {
	DEFAULT_MODELS,
	MODERATION_USD,
	PROVIDER_MARKUP,
	REDACTION_USD,
	completionTextFor,
	startEmulator,
	usageDetailsFor,
	type Emulator,
	type EmulatorOptions,
} from '../../support/emulator';
import { loadOptions } from '../../support/harness';
import { captureN8nLogs, type LoggedEntry } from '../../support/logCapture';
import { completeParameters, credentialsFor, prompts, runCompletion } from '../nodeRun';
import { emulatorForFile } from '../../support/emulatorForFile';

const ROUTED = 'meta-llama/llama-3.3-70b-instruct';
const PLAIN = 'gpt-4o-mini';
const RBS = 'Routing, Billing and Safety';

const emulator = emulatorForFile();

const completions = (emu: Emulator = emulator) => emu.requests.filter((request) => request.path.endsWith('/v1/completions'));
const withModel = (model: string, extra: INodeParameters = {}) => completeParameters({ model: { __rl: true, mode: 'id', value: model }, ...extra });
const llamaProvider = (id: string) => DEFAULT_MODELS.find((model) => model.id === ROUTED)!.providers!.find((entry) => entry.provider === id)!;

async function withEmulator<T>(options: EmulatorOptions, fn: (emu: Emulator) => Promise<T>): Promise<T> {
	const other = await startEmulator(options);
	try {
		return await fn(other);
	} finally {
		await other.close();
	}
}

/** USD NanoGPT bills for one answer of the emulator at these prices per 1M tokens. */
function amountFor(model: string, prompt: string, price: { prompt: number; completion: number }, extra = 0) {
	const { promptTokens, completionTokens } = completionTextFor({ model, prompt });
	return (promptTokens * price.prompt + completionTokens * price.completion) / 1e6 + extra;
}

describe('Provider Routing', () => {
	it('sends the routing object; NanoGPT picks the cheapest provider under the price ceiling and bills it plus 5%', async () => {
		const { items, error } = await runCompletion({
			emulator,
			items: [{ prompt: 'Describe the walnut desk' }],
			parameters: withModel(ROUTED, { providerRouting: { sort: 'price', maxPromptPrice: 0.3, maxCompletionPrice: 0.5, ignore: ['novita'] } }),
		});
		expect(error).toBeUndefined();
		const [request] = completions();
		expect(request.body).toEqual({
			model: ROUTED,
			prompt: 'Describe the walnut desk',
			provider: { sort: 'price', max_price: { prompt: 0.3, completion: 0.5 }, ignore: ['novita'] },
		});
		expect(request.routing?.provider).toBe('deepinfra');
		const deepinfra = llamaProvider('deepinfra');
		const amount = amountFor(ROUTED, 'Describe the walnut desk', { prompt: deepinfra.prompt * PROVIDER_MARKUP, completion: deepinfra.completion * PROVIDER_MARKUP });
		expect((items[0].json.cost as IDataObject).amount).toBeCloseTo(amount, 9);
	});

	it('sends one provider as the provider string', async () => {
		await runCompletion({ emulator, items: [{ prompt: 'x' }], parameters: withModel(ROUTED, { providerRouting: { provider: 'together' } }) });
		expect(completions()[0].body).toMatchObject({ provider: 'together' });
		expect(completions()[0].routing?.provider).toBe('together');
	});

	it('a provider NanoGPT does not know in Allowed Providers fails naming that parameter, not retried', async () => {
		const { error } = await runCompletion({
			emulator,
			items: [{ prompt: 'x' }],
			parameters: withModel(ROUTED, { providerRouting: { only: ['deepinfra', 'nobody'] } }),
		});
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error?.message).toBe('NanoGPT returned 400: Unknown or unavailable provider id in provider.only: nobody');
		expect(error?.description).toContain('Code: provider_unknown_provider');
		expect(error?.description).toContain('Parameter: Provider Routing > Allowed Provider Names or IDs.');
		expect(completions()).toHaveLength(1);
	});

	it('no provider left with fallbacks off fails naming Allow Fallbacks; with Continue On Fail the item says so', async () => {
		const { items } = await runCompletion({
			emulator,
			continueOnFail: true,
			items: [{ prompt: 'x' }],
			parameters: withModel(ROUTED, { providerRouting: { maxPromptPrice: 0.01, allowFallbacks: false } }),
		});
		expect(items[0].json).toMatchObject({ httpCode: '400', parameter: 'Provider Routing > Allow Fallbacks' });
		expect(String(items[0].json.description)).toContain('Code: no_fallback_available');
	});

	it('a provider ID with routing fields is refused before anything is sent, naming the parameter and the item', async () => {
		const { error } = await runCompletion({
			emulator,
			items: [{ prompt: 'a' }, { prompt: 'b', p: 'novita' }],
			parameters: withModel(ROUTED, { providerRouting: { provider: '={{ $json.p ?? "" }}', order: ['together'] } }),
		});
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error?.message).toMatch(/^Invalid value for "Provider Routing > Provider Name or ID" in item 1: cannot be combined with Preferred Provider Names or IDs/);
		expect(completions()).toHaveLength(0);
	});

	it('lists the chosen model\'s providers, cheapest first with the price NanoGPT charges, none for other models', async () => {
		const list = (model: unknown) =>
			loadOptions({
				node: new NanoGpt(),
				credentialTypes: [new NanoGptApi()],
				credentials: credentialsFor(emulator),
				method: 'getModelProviders',
				parameters: { operation: 'complete', model: model as INodeParameters[string] },
			});
		const options = await list({ __rl: true, mode: 'list', value: `${ROUTED}:online` });
		expect(options.map((option) => option.value)).toEqual(['deepinfra', 'novita', 'groq', 'together', 'fireworks']);
		// deepinfra: $0.23 / $0.40 plus 5%.
		expect(options[0].name).toBe('deepinfra · $0.2415 / $0.42 per 1M');
		expect(options[2].name).toMatch(/^groq · .* · unavailable now$/);
		const [providerList] = emulator.requests.filter((request) => request.path.includes('/providers'));
		expect(providerList.path).toBe(`/api/models/${encodeURIComponent(ROUTED)}/providers`);
		expect(providerList.headers.authorization).toBe(`Bearer ${emulator.apiKey}`);
		expect(await list({ __rl: true, mode: 'id', value: PLAIN })).toEqual([]);
		expect(await list({ __rl: true, mode: 'id', value: 'no-such-model' })).toEqual([]);
		expect(await list({ __rl: true, mode: 'id', value: '={{ $json.model }}' })).toEqual([]);
	});
});

describe('routing suffixes', () => {
	it.each([
		[{ routingPreference: 'throughput' }, `${ROUTED}:throughput`],
		[{ toolSupport: true }, `${ROUTED}:tools`],
		[{ promptCaching: true }, `${ROUTED}:caching`],
	])('%j is sent as %s, before the web search suffix and after the typed ID', async (routing, model) => {
		const { error } = await runCompletion({
			emulator,
			items: [{ prompt: 'x' }],
			parameters: withModel(ROUTED, { routingBillingSafety: routing, options: { webSearch: 'online/kagi-web', hideReasoning: true } }),
		});
		expect(error).toBeUndefined();
		expect(completions()[0].body).toMatchObject({ model: `${model}:online/kagi-web:reasoning-exclude` });
	});

	it.each([
		[{ routingBillingSafety: { routingPreference: 'price', toolSupport: true } }, `${RBS} > Tool Support`],
		[{ routingBillingSafety: { promptCaching: true }, providerRouting: { only: ['deepinfra'] } }, `${RBS} > Prompt Caching`],
		[{ routingBillingSafety: { routingPreference: 'speed' }, providerRouting: { provider: 'novita' } }, `${RBS} > Routing Preference`],
	])('%j is refused before sending, naming %s', async (parameters, label) => {
		const { error } = await runCompletion({ emulator, items: [{ prompt: 'x' }], parameters: withModel(ROUTED, parameters) });
		expect(error?.message).toContain(`"${label}" in item 0`);
		expect(completions()).toHaveLength(0);
	});

	it('a model without provider selection refuses a routing suffix: the error names Routing Preference', async () => {
		const { error } = await runCompletion({ emulator, items: [{ prompt: 'x' }], parameters: withModel(PLAIN, { routingBillingSafety: { routingPreference: 'latency' } }) });
		expect(error?.message).toBe('NanoGPT returned 400: This model does not support provider selection, so routing suffixes are not allowed');
		expect(error?.description).toContain(`Code: speed_suffix_unsupported_model. Attempts: 1, last status 400. Parameter: ${RBS} > Routing Preference.`);
	});
});

describe('Billing Mode, Moderation and PII Redaction', () => {
	it('sends billing_mode "paygo" and the moderation and redaction headers; the output carries moderation and the redaction price', async () => {
		const prompt = 'Email jane@example.com about the mug';
		const { items, error } = await runCompletion({
			emulator,
			items: [{ prompt }],
			parameters: withModel(PLAIN, { routingBillingSafety: { billingMode: 'paygo', moderation: 'on', piiRedaction: 'on' } }),
		});
		expect(error).toBeUndefined();
		const [request] = completions();
		expect(request.body).toEqual({ model: PLAIN, prompt, billing_mode: 'paygo' });
		expect(request.headers).toMatchObject({ moderation: 'true', redaction: 'true' });
		const price = DEFAULT_MODELS.find((model) => model.id === PLAIN)!.pricing as { prompt: number; completion: number };
		expect(items[0].json.moderation).toEqual({ model: 'omni-moderation-latest', flagged: false, cost: MODERATION_USD });
		expect((items[0].json.cost as IDataObject).amount).toBeCloseTo(amountFor(PLAIN, prompt, price, REDACTION_USD), 9);
	});

	it('sends Moderation Off and PII Redaction Off as false headers, and a moderation model as the header', async () => {
		await runCompletion({
			emulator,
			items: [{ prompt: 'a', m: 'off' }, { prompt: 'b', m: 'on' }],
			parameters: withModel(PLAIN, {
				routingBillingSafety: { moderation: '={{ $json.m }}', moderationModel: '={{ $json.m === "on" ? "meta-llama/llama-guard-4-12b" : "" }}', piiRedaction: 'off' },
			}),
		});
		const byPrompt = Object.fromEntries(completions().map((request) => [request.body.prompt, request.headers]));
		expect(byPrompt.a).toMatchObject({ moderation: 'false', redaction: 'false' });
		expect(byPrompt.b).toMatchObject({ moderation: 'meta-llama/llama-guard-4-12b', redaction: 'false' });
	});

	it('a prompt moderation refuses is an error item that says so, with the moderation cost, and is not retried', async () => {
		const { items } = await runCompletion({
			emulator,
			continueOnFail: true,
			items: [{ prompt: 'fine' }, { prompt: 'bad [[moderation:flag]]' }],
			parameters: withModel(PLAIN, { routingBillingSafety: { moderation: 'on' }, requestOptions: { maxRetries: 3 } }),
		});
		expect(items[0].json.moderation).toMatchObject({ flagged: false });
		expect(items[1].json).toMatchObject({
			error: 'NanoGPT returned 400: Your request was blocked by content moderation.',
			httpCode: '400',
			attempts: 1,
			parameter: `${RBS} > Moderation`,
			moderation: { model: 'omni-moderation-latest', flagged: true, cost: MODERATION_USD },
		});
		expect(String(items[1].json.description)).toContain('Code: content_policy_violation');
		expect(String(items[1].json.description)).toContain('the check is still charged');
		expect(completions().filter((request) => request.body.prompt.includes('[[moderation:flag]]'))).toHaveLength(1);
	});

	it('a Billing Mode the account refuses (paid-models API off) fails naming Billing Mode', async () => {
		emulator.setAccount({ paidModelsApi: false });
		const { error } = await runCompletion({ emulator, items: [{ prompt: 'x' }], parameters: withModel(PLAIN, { routingBillingSafety: { billingMode: 'paygo' } }) });
		expect(error?.httpCode).toBe('403');
		expect(error?.description).toContain(`Parameter: ${RBS} > Billing Mode. NanoGPT refused a pay-as-you-go request: the account's paid-models API is off.`);
	});

	it('Reuse Identical Requests shares a request only between items with the same headers', async () => {
		const { items } = await runCompletion({
			emulator,
			items: [{ prompt: 'same', m: 'on' }, { prompt: 'same', m: 'off' }, { prompt: 'same', m: 'on' }],
			parameters: withModel(PLAIN, { routingBillingSafety: { moderation: '={{ $json.m }}' }, requestOptions: { reuseIdenticalRequests: true } }),
		});
		expect(completions().map((request) => request.headers.moderation).sort()).toEqual(['false', 'true']);
		expect(items.map((item) => item.json.reusedFrom)).toEqual([undefined, undefined, 0]);
		expect(items[2].json.moderation).toBeUndefined();
	});
});

describe('NanoGPT failures that are not retried', () => {
	it.each([
		['empty_response', 1],
		['content_policy_violation', 1],
		['server_error', 3],
	])('a 503 with code %s takes %i attempt(s) with Max Retries 2', async (code, attempts) => {
		emulator.setFaultRule(() => ({ status: 503, code, message: `failed: ${code}` }));
		const { items } = await runCompletion({
			emulator,
			continueOnFail: true,
			items: [{ prompt: 'x' }],
			parameters: withModel(PLAIN, { requestOptions: { maxRetries: 2 } }),
		});
		expect(items[0].json.attempts).toBe(attempts);
		expect(completions()).toHaveLength(attempts);
	});
});

describe('usage and cost details', () => {
	it('a stream whose final chunk has cost and no amount (NanoGPT\'s example) gives cost in USD with the billing details', async () => {
		await withEmulator({ pricingShape: 'cost', streamUsage: 'final-chunk' }, async (costly) => {
			const { items } = await runCompletion({ emulator: costly, items: [{ prompt: 'stream me' }], parameters: withModel(PLAIN, { options: { stream: true } }) });
			const price = DEFAULT_MODELS.find((model) => model.id === PLAIN)!.pricing as { prompt: number; completion: number };
			expect(items[0].json.cost).toEqual({
				amount: expect.closeTo(amountFor(PLAIN, 'stream me', price), 9),
				currency: 'USD',
				paymentSource: 'USD',
				cacheCost: 0,
				billedToTeam: false,
				billedTeamId: null,
				billedTeamName: null,
			});
		});
	});

	it('usage carries the detail fields NanoGPT sent, camelCase; JSON retries and the summary line add them up', async () => {
		await withEmulator({ usageDetails: true }, async (detailed) => {
			const model = `${PLAIN}:online`;
			const prompt = '[[json:invalid-once]] Attributes of the oak shelf';
			const logs: LoggedEntry[] = [];
			const capture = captureN8nLogs(logs);
			let run;
			try {
				run = await runCompletion({
					emulator: detailed,
					items: [{ prompt }, { prompt: 'plain row' }],
					parameters: withModel(PLAIN, { options: { webSearch: 'online', jsonOutput: true, jsonRetries: 1 } }),
					continueOnFail: true,
				});
			} finally {
				capture.restore();
			}
			const answers = [1, 2].map((attempt) => completionTextFor({ model, prompt }, attempt));
			const details = answers.map((answer) => usageDetailsFor({ model }, answer.promptTokens, answer.completionTokens) as Record<string, IDataObject | number>);
			const cached = details.map((entry) => (entry.prompt_tokens_details as IDataObject).cached_tokens as number);
			const reasoning = details.map((entry) => (entry.completion_tokens_details as IDataObject).reasoning_tokens as number);
			expect(run.items[0].json.usage).toEqual({
				promptTokens: answers[0].promptTokens + answers[1].promptTokens,
				completionTokens: answers[0].completionTokens + answers[1].completionTokens,
				totalTokens: answers[0].promptTokens + answers[0].completionTokens + answers[1].promptTokens + answers[1].completionTokens,
				cachedTokens: cached[0] + cached[1],
				promptAudioTokens: 0,
				reasoningTokens: reasoning[0] + reasoning[1],
				completionAudioTokens: 0,
				acceptedPredictionTokens: 0,
				rejectedPredictionTokens: 0,
				cacheReadInputTokens: cached[0] + cached[1],
				cacheCreationInputTokens: answers[0].promptTokens - cached[0] + answers[1].promptTokens - cached[1],
				numSearchQueries: 2,
			});
			const second = run.items[1].json;
			const rowUsage = (second.usage ?? {}) as IDataObject;
			const summary = String(logs.find((entry) => String(entry.message).startsWith('NanoGPT run finished: '))?.message);
			const usage = run.items[0].json.usage as IDataObject;
			const total = (key: string) => (usage[key] as number) + ((rowUsage[key] as number | undefined) ?? 0);
			expect(summary).toContain(
				`(${total('cachedTokens')} cached, ${total('reasoningTokens')} reasoning, ${total('cacheReadInputTokens')} cache read, ${total('cacheCreationInputTokens')} cache write, ${total('numSearchQueries')} search queries)`,
			);
		});
	});

	it('usage has only the three counts when NanoGPT sends no details', async () => {
		const { items } = await runCompletion({ emulator, items: prompts(1), parameters: withModel(PLAIN) });
		expect(Object.keys(items[0].json.usage as IDataObject)).toEqual(['promptTokens', 'completionTokens', 'totalTokens']);
	});
});
