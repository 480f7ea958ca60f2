const { createJestConfig } = require('../../jest.preset.cjs');

// These tests exercise the built library in child processes, which jest's coverage cannot see:
// a coverage report here would claim 0% and drag down the totals, so none is written.
module.exports = createJestConfig(__dirname, { suite: 'integration', overrides: { collectCoverage: false } });
