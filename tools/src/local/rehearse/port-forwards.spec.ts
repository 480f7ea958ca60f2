import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { keepForwards, parseForwards, portForwardArgs } from './port-forwards';

describe('port-forward specs', () => {
  it('parse app=port and refuse anything else by name', () => {
    expect(parseForwards(['storefront=18010', 'catalog-api=18011'])).toEqual([
      { app: 'storefront', port: 18010 },
      { app: 'catalog-api', port: 18011 },
    ]);
    for (const bad of ['storefront', 'storefront=', 'Store=1', 'storefront=70000', 'a=1;rm']) expect(() => parseForwards([bad])).toThrow(`--forward ${bad}: expected <app>=<port>`);
  });

  it('become kubectl port-forward of the Service on loopback, with the kubeconfig and context', () => {
    expect(portForwardArgs({ app: 'storefront', port: 18010 }, { kubeconfig: '/k', context: 'dev', namespace: 'shipyard' })).toEqual([
      'port-forward', '--kubeconfig', '/k', '--context', 'dev', '--namespace', 'shipyard', 'svc/storefront', '18010:80', '--address', '127.0.0.1',
    ]);
  });
});

describe('keepForwards', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shipyard-forwards-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts a forward again when kubectl exits (a rollout replaced its pod), and stops them all', async () => {
    // A kubectl that records its arguments and exits at once, as port-forward does when its pod goes.
    const calls = path.join(dir, 'calls');
    const kubectl = path.join(dir, 'kubectl');
    writeFileSync(kubectl, `#!/bin/sh\necho "$@" >> ${calls}\necho "lost connection to pod" >&2\nexit 1\n`);
    chmodSync(kubectl, 0o755);
    const lines: string[] = [];
    const stop = keepForwards([{ app: 'storefront', port: 18010 }], { kubeconfig: '/k', namespace: 'shipyard', kubectl }, (line) => lines.push(line));
    await sleep(2600);
    await stop();
    const started = readFileSync(calls, 'utf8').trim().split('\n');
    expect(started.length).toBeGreaterThanOrEqual(2);
    expect(new Set(started)).toEqual(new Set(['port-forward --kubeconfig /k --namespace shipyard svc/storefront 18010:80 --address 127.0.0.1']));
    expect(lines).toContain('svc/storefront 127.0.0.1:18010: lost connection to pod');
    expect(lines).toContain('svc/storefront: kubectl port-forward exited (1); starting it again in 1 s');
    const after = started.length;
    await sleep(1500);
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toHaveLength(after);
  });
});
