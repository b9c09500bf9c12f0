// A Stryker ignorer: mutants of what the n8n editor only displays do not count toward the score.
// A test that pins a label or a help text word for word would only repeat it, so such mutants
// say nothing about the tests. What counts as display, by structure rather than by file:
//  - in an editor entry (an object literal with a `displayName` key: the node's description, a
//    parameter, a collection entry, a credential field), the values of the display keys below;
//  - in an option of an `options` list (an object literal with `name` and `value`), its `name` (the
//    label; `value` is what workflows save), its `description` and `action`;
//  - in a class with a `displayName` property (the node or credential type), that property and
//    `documentationUrl`.
// Parameter names, types, defaults, bounds, display conditions and every error message stay counted.
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin';

const DISPLAY_KEYS = new Set(['displayName', 'description', 'hint', 'placeholder', 'subtitle', 'action', 'documentationUrl']);

function keyName(node) {
	if (!node || node.computed || !node.key) return undefined;
	if (node.key.type === 'Identifier') return node.key.name;
	if (node.key.type === 'StringLiteral') return node.key.value;
	return undefined;
}

const keysOf = (members) => new Set(members.map(keyName).filter(Boolean));

function displayReason(path) {
	const key = keyName(path.node);
	if (path.isObjectProperty() && path.parentPath.isObjectExpression()) {
		const keys = keysOf(path.parentPath.node.properties.filter((member) => member.type === 'ObjectProperty'));
		if (keys.has('displayName') && DISPLAY_KEYS.has(key)) return `editor display string (${key})`;
		const isOption = keys.has('name') && keys.has('value') && !keys.has('type');
		if (isOption && (key === 'name' || key === 'description' || key === 'action')) return `editor display string (option ${key})`;
	}
	if (path.isClassProperty() && path.parentPath.isClassBody()) {
		const keys = keysOf(path.parentPath.node.body.filter((member) => member.type === 'ClassProperty'));
		if (keys.has('displayName') && (key === 'displayName' || key === 'documentationUrl')) return `editor display string (${key})`;
	}
	return undefined;
}

export const strykerPlugins = [declareValuePlugin(PluginKind.Ignore, 'displayStrings', { shouldIgnore: displayReason })];
