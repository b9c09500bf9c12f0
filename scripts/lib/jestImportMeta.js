'use strict';
// A ts-jest AST transformer (jest.config.js): jest runs the tests as CommonJS, where `import.meta`
// is a syntax error, but the test support modules use it as Node 24 runs them (ES modules, by type
// stripping). Under jest each `import.meta.<x>` becomes its CommonJS equivalent.
const ts = require('typescript');

/** `import.meta.<name>` -> the CommonJS expression it stands for. */
const COMMONJS = {
	dirname: (f) => f.createIdentifier('__dirname'),
	filename: (f) => f.createIdentifier('__filename'),
	main: (f) =>
		f.createParenthesizedExpression(
			f.createBinaryExpression(
				f.createPropertyAccessExpression(f.createIdentifier('require'), 'main'),
				ts.SyntaxKind.EqualsEqualsEqualsToken,
				f.createIdentifier('module'),
			),
		),
};

const isImportMeta = (node) => ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword;

module.exports = {
	name: 'import-meta-to-commonjs',
	version: '1',
	factory: () => (context) => (sourceFile) => {
		const visit = (node) => {
			if (ts.isPropertyAccessExpression(node) && isImportMeta(node.expression) && COMMONJS[node.name.text]) {
				return COMMONJS[node.name.text](context.factory);
			}
			if (isImportMeta(node)) throw new Error(`${sourceFile.fileName}: import.meta is only supported as import.meta.dirname, .filename or .main`);
			return ts.visitEachChild(node, visit, context);
		};
		return ts.visitNode(sourceFile, visit);
	},
};
