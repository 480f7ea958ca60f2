import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createProjectGraphAsync } from '@nx/devkit';
import { workspaceRoot } from './root';

interface EslintMessage {
  ruleId: string | null;
  message: string;
}

/** Lints a snippet as if it were a file at `filePath`, through the real eslint CLI and eslint.config.mjs. */
function lintAs(filePath: string, code: string): EslintMessage[] {
  const run = spawnSync(path.join(workspaceRoot, 'node_modules', '.bin', 'eslint'), ['--stdin', '--stdin-filename', filePath, '--format', 'json'], {
    cwd: workspaceRoot,
    input: code,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  if (run.status !== 0 && run.status !== 1) throw new Error(`eslint failed (exit ${run.status}): ${run.stderr}`);
  // Without a cached project graph the rule prints a warning and checks nothing: that is a failure here.
  if (!run.stdout.startsWith('[')) throw new Error(`eslint did not answer with JSON (was the boundary rule skipped?):\n${run.stdout.slice(0, 400)}`);
  const [result] = JSON.parse(run.stdout) as { messages: EslintMessage[] }[];
  return result.messages;
}

const boundaryErrors = (messages: EslintMessage[]) => messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries');

describe('module boundaries are enforced by lint', () => {
  // eslint run on its own (as here, or from an editor) reads the graph Nx cached; a fresh clone has
  // none until an nx command computes it, and the rule then skips itself.
  beforeAll(() => createProjectGraphAsync({ exitOnError: false }), 120_000);

  it.each([
    // Every library is already imported by the apps, so a back-import is also a cycle: either message fails lint.
    ['a library importing an app', 'libs/service-kit/src/forbidden.ts', "import '@shipyard/catalog-api';", /Circular dependency between "service-kit" and "catalog-api"|tagged with "type:lib" can only depend/],
    ['contracts importing the runtime layer', 'libs/contracts/src/forbidden.ts', "import '@shipyard/service-kit';", /Circular dependency between "contracts" and "service-kit"|tagged with "layer:contracts" can only depend/],
    ['contracts importing a runtime library', 'libs/contracts/src/forbidden.ts', "import '@shipyard/telemetry';", /tagged with "layer:contracts" can only depend on libs tagged with "layer:contracts"/],
    // Apps are Nx applications (projectType), so Nx's own "no importing apps" check answers before the tag rule.
    ['one service importing another', 'apps/catalog-api/src/forbidden.ts', "import '@shipyard/checkout-api';", /Imports of apps are forbidden|tagged with "type:app" can only depend on libs tagged with "type:lib"/],
  ])('rejects %s', (_label, file, code, expected) => {
    const errors = boundaryErrors(lintAs(file, `${code}\nexport const x = 1;\n`));
    expect(errors.map((e) => e.message).join('\n')).toMatch(expected);
  }, 60_000);

  it('allows an app to import a shared library', () => {
    const messages = lintAs('apps/catalog-api/src/allowed.ts', "import '@shipyard/contracts';\nexport const x = 1;\n");
    expect(boundaryErrors(messages)).toEqual([]);
  }, 60_000);
});
