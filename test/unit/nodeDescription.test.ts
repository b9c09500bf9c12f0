import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { NanoGpt } from '../../nodes/NanoGpt/NanoGpt.node';

// The node type as n8n reads it: its name, version, connections, credential and methods are a public
// contract (saved workflows refer to them). A fresh instance in each test, so that mutation testing
// sees each test read the description.
const node = () => new NanoGpt();

test('is nanoGpt version 1, a transform node with one main input and output, usable as an AI tool', () => {
	const { name, version, group, inputs, outputs, usableAsTool, defaults } = node().description;
	expect({ name, version, group, inputs, outputs, usableAsTool, defaults }).toEqual({
		name: 'nanoGpt',
		version: 1,
		group: ['transform'],
		inputs: ['main'],
		outputs: ['main'],
		usableAsTool: true,
		defaults: { name: 'NanoGPT' },
	});
});

test('needs the NanoGPT API credential', () => {
	expect(node().description.credentials).toEqual([{ name: 'nanoGptApi', required: true }]);
});

test('offers the model search and the model\'s providers to the editor', () => {
	const { methods } = node();
	expect(Object.keys(methods.listSearch)).toEqual(['searchModels']);
	expect(Object.keys(methods.loadOptions)).toEqual(['getModelProviders']);
	expect(typeof methods.listSearch.searchModels).toBe('function');
	expect(typeof methods.loadOptions.getModelProviders).toBe('function');
});

test('names icon files that exist beside it', () => {
	const icon = node().description.icon as { light: string; dark: string };
	expect(icon).toEqual({ light: 'file:nanogpt.svg', dark: 'file:nanogpt.dark.svg' });
	const nodeDir = path.join(__dirname, '..', '..', 'nodes', 'NanoGpt');
	for (const file of [icon.light, icon.dark]) expect(existsSync(path.join(nodeDir, file.replace(/^file:/, '')))).toBe(true);
});
