// Shared jest settings. Every project's jest config calls this with its own folder, so
// reports land in one known place that the Azure pipeline publishes:
//   reports/junit/<project>[-<suite>].xml and reports/coverage/<project>[-<suite>]/cobertura-coverage.xml
const path = require('node:path');

const workspaceRoot = __dirname;

/**
 * @param {string} projectDir absolute folder of the project (pass __dirname)
 * @param {{ suite?: 'unit' | 'integration', overrides?: import('jest').Config }} [options]
 * @returns {import('jest').Config}
 */
function createJestConfig(projectDir, options = {}) {
  const suite = options.suite ?? 'unit';
  const project = path.relative(workspaceRoot, projectDir).replaceAll(path.sep, '-');
  const reportName = suite === 'unit' ? project : `${project}-${suite}`;
  const integration = suite === 'integration';
  return {
    displayName: reportName,
    rootDir: projectDir,
    testEnvironment: 'node',
    // Resolve workspace libraries to their TypeScript sources (see tsconfig.base.json
    // customConditions), so unit tests never need a prior build.
    testEnvironmentOptions: { customExportConditions: ['@shipyard/source', 'node', 'require', 'default'] },
    transform: {
      '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(projectDir, 'tsconfig.spec.json') }],
    },
    moduleFileExtensions: ['ts', 'js', 'cjs', 'json'],
    testMatch: integration ? ['<rootDir>/**/*.int.spec.ts'] : ['<rootDir>/**/*.spec.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/', ...(integration ? [] : ['\\.int\\.spec\\.ts$'])],
    collectCoverage: true,
    collectCoverageFrom: ['<rootDir>/src/**/*.ts', '!<rootDir>/src/**/*.spec.ts', '!<rootDir>/src/**/*.int.spec.ts'],
    coverageDirectory: path.join(workspaceRoot, 'reports', 'coverage', reportName),
    coverageReporters: ['text-summary', 'cobertura'],
    reporters: [
      'default',
      ['jest-junit', { outputDirectory: path.join(workspaceRoot, 'reports', 'junit'), outputName: `${reportName}.xml`, suiteName: reportName }],
    ],
    testTimeout: integration ? 60_000 : 10_000,
    ...options.overrides,
  };
}

module.exports = { createJestConfig, workspaceRoot };
