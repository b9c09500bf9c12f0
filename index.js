'use strict';

// n8n loads the classes through package.json's "n8n" section; this entry serves plain require().
module.exports = {
	NanoGpt: require('./dist/nodes/NanoGpt/NanoGpt.node.js').NanoGpt,
	NanoGptApi: require('./dist/credentials/NanoGptApi.credentials.js').NanoGptApi,
};
