import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  // The config files themselves import the shared workspace configs by relative path,
  // which the module-boundary rule would otherwise report as an "external resource".
  { files: ['*.config.cjs', '*.config.mjs'], rules: { '@nx/enforce-module-boundaries': 'off' } },
];
