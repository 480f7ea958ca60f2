import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand } from '../../process/run-command';

/** A free TCP port on 127.0.0.1 (containers run with --network host and bind there). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function docker(...args: string[]): Promise<string> {
  return (await runCommand('docker', args)).stdout.trim();
}

/** Starts a detached container the way the charts run pods: read-only root, host network, loopback only. */
export async function startContainer(image: string, name: string, env: Record<string, string>): Promise<string> {
  const envArgs = Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]);
  await runCommand('docker', ['rm', '--force', name], { allowExitCodes: [1] });
  return docker('run', '--detach', '--name', name, '--read-only', '--network', 'host', ...envArgs, image);
}

export async function removeContainer(name: string): Promise<void> {
  await runCommand('docker', ['rm', '--force', name], { allowExitCodes: [1] });
}

/** Status code of one GET, or null when nothing answers yet. */
export function httpStatus(url: string, timeoutMs = 500): Promise<number | null> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: timeoutMs, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? null);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(null));
  });
}

/** Milliseconds from `since` until the URL answers 200, or null after `limitMs`. */
export async function waitFor200(url: string, since: number, limitMs: number): Promise<number | null> {
  while (Date.now() - since < limitMs) {
    if ((await httpStatus(url, 250)) === 200) return Date.now() - since;
    await sleep(25);
  }
  return null;
}

export interface SlowRequest {
  method: string;
  path: string;
  body: string;
}

/**
 * Sends a request whose JSON body arrives in two parts: the service has accepted the request
 * and waits for the rest of its body. Returns a function that sends the rest and resolves with
 * the raw response once the server has finished it (closed the connection).
 */
export async function startSlowRequest(port: number, request: SlowRequest): Promise<() => Promise<string>> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<string>((resolve) => {
    socket.once('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.once('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
  const body = Buffer.from(request.body);
  const half = Math.floor(body.length / 2);
  socket.write(
    `${request.method} ${request.path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
  );
  socket.write(body.subarray(0, half));
  return async () => {
    socket.write(body.subarray(half));
    return ended;
  };
}

/** Every file path in every layer of an image (what `docker save` ships), so deleted-later files are seen too. */
export async function imageLayerFiles(image: string): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipyard-image-'));
  try {
    const archive = path.join(dir, 'image.tar');
    await docker('save', '--output', archive, image);
    await runCommand('tar', ['-xf', archive, '-C', dir]);
    const layers = fs
      .readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((entry) => entry.endsWith('layer.tar') || /^blobs\/sha256\/[0-9a-f]{64}$/.test(entry));
    const files: string[] = [];
    for (const layer of layers) {
      const result = await runCommand('tar', ['-tf', path.join(dir, layer)], { allowExitCodes: [2] });
      if (result.exitCode === 0) files.push(...result.stdout.split('\n').filter(Boolean));
    }
    return files;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Sums file sizes per package under /srv/node_modules inside the image (node runs the walk; there is no shell). */
const packageSizesScript = `
const fs = require('node:fs'); const path = require('node:path');
const size = (p) => { const s = fs.lstatSync(p); return s.isDirectory() ? fs.readdirSync(p).reduce((n, e) => n + size(path.join(p, e)), 0) : s.size; };
const root = '/srv/node_modules'; const out = {};
for (const e of fs.readdirSync(root)) {
  if (e.startsWith('.')) continue;
  const names = e.startsWith('@') ? fs.readdirSync(path.join(root, e)).map((s) => e + '/' + s) : [e];
  for (const n of names) out[n] = size(path.join(root, n));
}
process.stdout.write(JSON.stringify(out));`;

/** The largest dependencies inside an image, to explain a size budget overrun. */
export async function largestPackages(image: string, count: number): Promise<Array<{ name: string; megabytes: number }>> {
  const sizes = JSON.parse(await docker('run', '--rm', '--network', 'none', '--entrypoint', '/nodejs/bin/node', image, '-e', packageSizesScript)) as Record<string, number>;
  return Object.entries(sizes)
    .sort(([, a], [, b]) => b - a)
    .slice(0, count)
    .map(([name, bytes]) => ({ name, megabytes: Math.round(bytes / 1e5) / 10 }));
}

/**
 * Loads every top-level dependency of the image by name, with require() and with import(),
 * from /srv as the service would: proves pruning left every entry point Node resolves.
 * Packages without a root entry point ("." not exported) are skipped, as nobody can load them by name.
 */
const loadEverythingScript = `
import fs from 'node:fs'; import path from 'node:path'; import { createRequire } from 'node:module';
const root = '/srv/node_modules'; const require = createRequire('/srv/package.json');
const names = [];
for (const e of fs.readdirSync(root)) {
  if (e.startsWith('.') || e === '@types') continue;
  if (e.startsWith('@')) for (const s of fs.readdirSync(path.join(root, e))) names.push(e + '/' + s); else names.push(e);
}
const skip = new Set(['ERR_PACKAGE_PATH_NOT_EXPORTED', 'ERR_REQUIRE_ASYNC_MODULE']);
const failures = []; let loaded = 0;
for (const name of names) {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, name, 'package.json'), 'utf8'));
  if (!manifest.main && !manifest.exports && !fs.existsSync(path.join(root, name, 'index.js'))) continue;
  try { require(name); loaded++; } catch (e) { if (!skip.has(e.code)) failures.push('require ' + name + ': ' + e.message.split('\\n')[0]); }
  try { await import(name); } catch (e) { if (!skip.has(e.code)) failures.push('import ' + name + ': ' + e.message.split('\\n')[0]); }
}
process.stdout.write(JSON.stringify({ packages: names.length, loaded, failures }));`;

export async function loadEveryDependency(image: string): Promise<{ packages: number; loaded: number; failures: string[] }> {
  const output = await docker('run', '--rm', '--network', 'none', '--read-only', '--workdir', '/srv', '--entrypoint', '/nodejs/bin/node', image, '--input-type=module', '-e', loadEverythingScript);
  return JSON.parse(output.split('\n').at(-1) ?? '{}') as { packages: number; loaded: number; failures: string[] };
}
