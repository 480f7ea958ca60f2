/**
 * The pieces of the empty-engine benchmark against real engines: a second dockerd with nothing
 * in it, and the plain-HTTP loopback front of the local registry, which an engine pulls through
 * and which counts what it served. Needs root, the machine's engine and the local registry with
 * the base images (`shipyard registry up && shipyard images base`).
 */
import fs from 'node:fs';
import { runCommand } from '../process/run-command';
import { startRegistryHttpProxy } from './registry-http-proxy';
import { startScratchEngine } from './scratch-engine';

const registry = '127.0.0.1:5000';
const runtimeBase = 'distroless/nodejs24-debian12:nonroot';

it('an empty engine pulls through the plain-HTTP registry front, which counts the bytes; stopping removes everything', async () => {
  const engine = await startScratchEngine({ log: () => undefined });
  const proxy = await startRegistryHttpProxy(registry);
  try {
    const docker = (...args: string[]) => runCommand('docker', args, { env: { ...process.env, ...engine.env } });
    expect((await docker('image', 'ls', '--quiet')).stdout.trim()).toBe('');
    expect((await docker('info', '--format', '{{.DockerRootDir}}')).stdout.trim()).toBe(`${engine.root}/data`);

    await docker('pull', '--quiet', `${proxy.address}/${runtimeBase}`);
    const remote = JSON.parse((await runCommand('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry}/${runtimeBase}`])).stdout) as {
      layers: Array<{ size: number }>;
    };
    const layerBytes = remote.layers.reduce((sum, layer) => sum + layer.size, 0);
    expect(proxy.bytesServed()).toBeGreaterThanOrEqual(layerBytes);
    // The machine's own engine did not get the pull.
    expect((await runCommand('docker', ['image', 'ls', '--quiet', `${proxy.address}/${runtimeBase}`])).stdout.trim()).toBe('');
  } finally {
    await proxy.close();
    await engine.stop();
  }
  expect(fs.existsSync(engine.root)).toBe(false);
  expect(fs.readFileSync('/proc/self/mounts', 'utf8')).not.toContain(engine.root);
}, 180_000);
