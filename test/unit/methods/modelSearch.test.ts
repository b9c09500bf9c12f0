import {
	filterModels,
	formatAmount,
	formatContextLength,
	formatModelName,
	formatPricing,
} from '../../../nodes/NanoGpt/methods/modelSearch';
import { toModelEntry } from '../../../nodes/NanoGpt/transport/modelCatalogue';

const llama = {
	id: 'meta-llama/llama-3.3-70b-instruct',
	name: 'Llama 3.3 70B Instruct',
	contextLength: 131072,
	pricing: { prompt: 0.12, completion: 0.3, currency: 'USD', unit: 'per_million_tokens' },
};

describe('model list text', () => {
	it('shows display name, input / output price per 1M tokens, context and id, figures before the id', () => {
		expect(formatModelName(llama)).toBe(
			'Llama 3.3 70B Instruct · $0.12 / $0.30 per 1M · 131k context · meta-llama/llama-3.3-70b-instruct',
		);
	});

	it('formats whole prices bare, others with two to six decimals, and never rounds a price to zero', () => {
		expect(formatAmount(5)).toBe('5');
		expect(formatAmount(0.3)).toBe('0.30');
		expect(formatAmount(0.075)).toBe('0.075');
		expect(formatAmount(0.1 + 0.2)).toBe('0.30');
		expect(formatAmount(0)).toBe('0');
		expect(formatAmount(1200)).toBe('1200');
		expect(formatAmount(2.5)).toBe('2.50');
		expect(formatAmount(0.00000004)).toBe('4.0e-8');
		expect(formatAmount(0.000001)).toBe('0.000001');
		// From 1e21 JavaScript writes numbers with an exponent and no decimal point: shown as written.
		expect(formatAmount(1e21)).toBe('1e+21');
	});

	it('rounds context lengths down', () => {
		expect(formatContextLength(131072)).toBe('131k');
		expect(formatContextLength(128000)).toBe('128k');
		expect(formatContextLength(32768)).toBe('32k');
		expect(formatContextLength(1048576)).toBe('1.04M');
		expect(formatContextLength(2000000)).toBe('2M');
		expect(formatContextLength(512)).toBe('512');
	});

	it('shows only the figures the catalogue gives', () => {
		expect(formatModelName({ id: 'x/plain' })).toBe('x/plain');
		expect(formatModelName({ id: 'x/named', name: 'Named' })).toBe('Named · x/named');
		expect(formatModelName({ id: 'same', name: 'same', contextLength: 8192 })).toBe('same · 8k context');
		expect(formatModelName({ id: 'x/unnamed', pricing: { prompt: 1, completion: 2, currency: 'USD' } })).toBe('x/unnamed · $1 / $2 per 1M');
		expect(formatModelName({ ...llama, contextLength: undefined })).toBe(
			'Llama 3.3 70B Instruct · $0.12 / $0.30 per 1M · meta-llama/llama-3.3-70b-instruct',
		);
		expect(formatModelName({ ...llama, pricing: undefined })).toBe('Llama 3.3 70B Instruct · 131k context · meta-llama/llama-3.3-70b-instruct');
		expect(formatPricing({ prompt: 0.12, currency: 'USD' })).toBe('$0.12 input per 1M');
		expect(formatPricing({ completion: 0.3, currency: 'USD' })).toBe('$0.30 output per 1M');
		expect(formatPricing({})).toBeUndefined();
		// A price of 0 is known (a free model), so it is shown.
		expect(formatModelName({ id: 'x/free', name: 'Free', pricing: { prompt: 0, completion: 0, currency: 'USD' } })).toBe('Free · $0 / $0 per 1M · x/free');
		expect(formatPricing({ prompt: 0, currency: 'USD' })).toBe('$0 input per 1M');
		expect(formatPricing({ completion: 0, currency: 'USD' })).toBe('$0 output per 1M');
	});

	it('shows a currency other than USD by its code, and no symbol when none is named', () => {
		expect(formatPricing({ prompt: 0.11, completion: 0.28, currency: 'EUR' })).toBe('0.11 EUR / 0.28 EUR per 1M');
		expect(formatPricing({ prompt: 0.11, completion: 0.28, currency: 'usd' })).toBe('$0.11 / $0.28 per 1M');
		expect(formatPricing({ prompt: 0.11, completion: 0.28 })).toBe('0.11 / 0.28 per 1M');
		expect(formatPricing({ prompt: 1, completion: 2, currency: 'USD', unit: 'per_million_tokens' })).toBe('$1 / $2 per 1M');
		expect(formatPricing({ prompt: 1, completion: 2, currency: 'USD', unit: 'per_thousand_tokens' })).toBe('$1 / $2 per thousand tokens');
	});
});

describe('catalogue entries', () => {
	it('keeps what NanoGPT sends and drops what is missing or unusable', () => {
		expect(
			toModelEntry({
				id: 'a',
				name: 'A',
				description: 'About A',
				context_length: 131072,
				max_output_tokens: 8192,
				pricing: { prompt: 0.12, completion: '0.30', currency: 'USD', unit: 'per_million_tokens' },
			}),
		).toEqual({
			id: 'a',
			name: 'A',
			description: 'About A',
			contextLength: 131072,
			pricing: { prompt: 0.12, completion: 0.3, currency: 'USD', unit: 'per_million_tokens' },
		});
		expect(toModelEntry({ id: 'b', name: '', context_length: null, pricing: { prompt: null, completion: 'n/a', currency: 'USD' } })).toEqual({ id: 'b' });
		expect(toModelEntry({ id: 'c', context_length: 0, pricing: { prompt: -1, completion: 2 } })).toEqual({ id: 'c', pricing: { completion: 2 } });
		expect(toModelEntry({ id: 'free', pricing: { prompt: 0, completion: '0', currency: 'USD' } })).toEqual({
			id: 'free',
			pricing: { prompt: 0, completion: 0, currency: 'USD' },
		});
		expect(toModelEntry({ name: 'no id' })).toBeUndefined();
		expect(toModelEntry('gpt-4o')).toBeUndefined();
		expect(toModelEntry(null)).toBeUndefined();
	});
});

describe('model search', () => {
	const models = [
		llama,
		{ id: 'gpt-4o-mini', name: 'GPT-4o mini' },
		{ id: 'claude-3', name: 'Claude' },
		{ id: 'zeta-plain' },
		{ id: 'gpt-10', name: 'GPT-10' },
	];

	it('matches the id or the display name, case-insensitive, every word', () => {
		expect(filterModels(models, 'GPT').map((model) => model.value)).toEqual(['gpt-4o-mini', 'gpt-10']);
		expect(filterModels(models, 'instruct').map((model) => model.value)).toEqual([llama.id]);
		expect(filterModels(models, 'meta-llama').map((model) => model.value)).toEqual([llama.id]);
		expect(filterModels(models, '  llama 70B ').map((model) => model.value)).toEqual([llama.id]);
		expect(filterModels(models, 'llama mini')).toEqual([]);
		expect(filterModels(models, 'claude')[0]).toEqual({ name: 'Claude · claude-3', value: 'claude-3', description: undefined });
	});

	it('does not match the figures, only names', () => {
		expect(filterModels(models, '131k')).toEqual([]);
		expect(filterModels(models, '$0.12')).toEqual([]);
		expect(filterModels(models, 'context')).toEqual([]);
	});

	it('lists every model by display name when there is no search text', () => {
		expect(filterModels(models).map((model) => model.value)).toEqual(['claude-3', 'gpt-4o-mini', 'gpt-10', llama.id, 'zeta-plain']);
		expect(filterModels(models, '   ')).toHaveLength(5);
	});
});
