'use strict';
// Nx's entry for the service generator. Nx 23 loads a .ts factory through Node's native type
// stripping, which cannot load this package's TypeScript (ES import syntax in a CommonJS
// package, extensionless relative imports), and falls back to @swc-node/register or ts-node,
// neither of which the workspace installs. tsx, which already runs the shipyard CLI from its
// sources, loads the generator here through a one-off require that registers no global hook.
const { require: tsxRequire } = require('tsx/cjs/api');

module.exports = tsxRequire('./generator.ts', __filename);
