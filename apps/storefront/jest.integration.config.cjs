const { createJestConfig } = require('../../jest.preset.cjs');

// Browser test against the built storefront, catalog-api and checkout-api processes.
module.exports = createJestConfig(__dirname, { suite: 'integration' });
