import type { HelmResult } from '../../helm/run';
import { type MemoryRegistry, testChartOf } from '../../release/testing/memory-registry';
import type { HelmRunner } from '../helm-runner';

export interface FakeRevision {
  revision: number;
  status: string;
  chart: string;
  description: string;
  values: Record<string, unknown>;
}

const ok = (stdout = ''): HelmResult => ({ code: 0, stdout, stderr: '' });
const fail = (stderr: string): HelmResult => ({ code: 1, stdout: '', stderr });

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

/** --set-string a.b=c arguments as a nested values object. */
function setValues(args: readonly string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  args.forEach((arg, index) => {
    if (args[index - 1] !== '--set-string') return;
    const [key, ...rest] = arg.split('=');
    const parts = key.split('.');
    let node = values;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = rest.join('=');
  });
  return values;
}

/** oci://<registry>/<repository>@<digest>: the only chart reference deploy gives helm. */
function parseChartRef(ref: string): { registry: string; repository: string; digest: string } | null {
  const match = /^oci:\/\/([^/]+)\/(.+)@(sha256:[0-9a-f]{64})$/.exec(ref);
  return match ? { registry: match[1], repository: match[2], digest: match[3] } : null;
}

/**
 * A stand-in for helm and a cluster: keeps each release's revisions (status, chart, description,
 * values) and answers history, get values, upgrade --install, rollback and uninstall the way
 * helm does, including --rollback-on-failure. An upgrade pulls its chart by digest from the
 * in-memory registry (its name and version become the revision's chart, as helm records them).
 * Every call is recorded.
 */
export class FakeHelm implements HelmRunner {
  readonly releases = new Map<string, FakeRevision[]>();
  readonly calls: string[][] = [];
  /** Apps whose next upgrade fails (and is rolled back by --rollback-on-failure). */
  readonly failUpgrades = new Set<string>();

  constructor(private readonly registry: MemoryRegistry) {}

  seed(app: string, revisions: Array<Omit<FakeRevision, 'revision'>>): void {
    this.releases.set(app, revisions.map((revision, index) => ({ ...revision, revision: index + 1 })));
  }

  latest(app: string): FakeRevision | undefined {
    const revisions = this.releases.get(app);
    return revisions?.[revisions.length - 1];
  }

  /** The calls that change the cluster. */
  changes(): string[][] {
    return this.calls.filter((args) => ['upgrade', 'rollback', 'uninstall'].includes(args[0]));
  }

  private add(app: string, revision: Omit<FakeRevision, 'revision'>): void {
    const revisions = this.releases.get(app) ?? [];
    for (const earlier of revisions) if (earlier.status === 'deployed') earlier.status = 'superseded';
    revisions.push({ ...revision, revision: revisions.length + 1 });
    this.releases.set(app, revisions);
  }

  async run(args: readonly string[]): Promise<HelmResult> {
    this.calls.push([...args]);
    const [command] = args;
    if (command === 'history') {
      const revisions = this.releases.get(args[1]);
      if (!revisions) return fail('Error: release: not found');
      return ok(JSON.stringify(revisions.map(({ revision, status, chart, description }) => ({ revision, updated: '2025-01-01T00:00:00Z', status, chart, app_version: '0.1.0', description }))));
    }
    if (command === 'get' && args[1] === 'values') {
      const latest = this.latest(args[2]);
      return latest ? ok(JSON.stringify(latest.values)) : fail('Error: release: not found');
    }
    if (command === 'upgrade') {
      const app = args[2];
      const ref = parseChartRef(args[3]);
      if (!ref || ref.registry !== this.registry.registry) return fail(`Error: fake helm installs charts from oci://${this.registry.registry}/…@sha256:… only, not ${args[3]}`);
      const chart = await testChartOf(this.registry, ref.repository, ref.digest).catch(() => null);
      if (!chart) return fail(`Error: failed to perform "FetchReference" on source: ${args[3]}: not found`);
      const revision = { chart: `${chart.name}-${chart.version}`, description: option(args, '--description') ?? 'Upgrade complete', values: setValues(args) };
      if (this.failUpgrades.has(app)) {
        this.failUpgrades.delete(app);
        const before = this.releases.get(app)?.filter((entry) => entry.status === 'deployed').pop();
        this.add(app, { ...revision, status: 'failed' });
        if (before && args.includes('--rollback-on-failure')) {
          this.add(app, { chart: before.chart, values: before.values, description: `Rollback to ${before.revision}`, status: 'deployed' });
        }
        return fail('Error: UPGRADE FAILED: resource Deployment/' + app + ' not ready: context deadline exceeded');
      }
      this.add(app, { ...revision, status: 'deployed' });
      return ok(`Release "${app}" has been upgraded. Happy Helming!\n`);
    }
    if (command === 'rollback') {
      const [, app, target] = args;
      const revisions = this.releases.get(app);
      const to = revisions?.find((entry) => entry.revision === Number(target));
      if (!revisions || !to) return fail(`Error: release has no ${target} version`);
      for (const entry of revisions) if (entry.status.startsWith('pending-')) entry.status = 'failed';
      this.add(app, { chart: to.chart, values: to.values, description: `Rollback to ${to.revision}`, status: 'deployed' });
      return ok('Rollback was a success! Happy Helming!\n');
    }
    if (command === 'uninstall') {
      if (!this.releases.delete(args[1])) return fail('Error: uninstall: Release not loaded: not found');
      return ok(`release "${args[1]}" uninstalled\n`);
    }
    return fail(`fake helm: unexpected command ${args.join(' ')}`);
  }
}
