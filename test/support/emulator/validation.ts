/** Request validation against the spec the repo carries (test/spec/). */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';

export const SPEC_PATH = path.join(import.meta.dirname, '..', '..', 'spec', 'nanogpt-completions.openapi.yaml');

/**
 * Body fields NanoGPT documents outside the completions spec, accepted in strict mode too:
 * `stream_options` is the OpenAI-compatible opt-in for usage in a stream (NanoGPT's streaming docs).
 */
const DOCUMENTED_EXTENSIONS = {
	stream_options: {
		type: 'object',
		properties: { include_usage: { type: 'boolean' } },
		additionalProperties: false,
	},
	// Provider routing and billing (checked by routingError, with NanoGPT's own error bodies).
	provider: {},
	billing_mode: {},
	billingMode: {},
};

const validators: { strict?: ValidateFunction; lenient?: ValidateFunction } = {};
/**
 * The spec's CompletionRequest schema. Strict: only the fields it names (plus the documented
 * extensions); lenient: any further field too, as the spec itself does not forbid them.
 */
export function validator(strict: boolean): ValidateFunction {
	const key = strict ? 'strict' : 'lenient';
	if (!validators[key]) {
		const spec = parseYaml(fs.readFileSync(SPEC_PATH, 'utf8'));
		const schema = spec.components.schemas.CompletionRequest;
		const ajv = new Ajv2020({ strict: false, allErrors: true });
		validators[key] = ajv.compile(
			strict ? { ...schema, properties: { ...schema.properties, ...DOCUMENTED_EXTENSIONS }, additionalProperties: false } : schema,
		);
	}
	return validators[key] as ValidateFunction;
}

/**
 * Returns an error message like '/temperature must be <= 2' or 'unknown field "temprature"',
 * or undefined when the body is valid.
 */
export function validationError(body: unknown, strict: boolean): string | undefined {
	const validate = validator(strict);
	if (validate(body)) return undefined;
	return (validate.errors ?? [])
		.map((e) =>
			e.keyword === 'additionalProperties'
				? `${e.instancePath ? `${e.instancePath}: ` : ''}unknown field "${e.params.additionalProperty}"`
				: `${e.instancePath || 'body'} ${e.message}`,
		)
		.join('; ');
}

