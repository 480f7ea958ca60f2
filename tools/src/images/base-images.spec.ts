import fs from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from '../workspace/root';
import {
  baseImageInputsHash,
  mirroredReference,
  nodeMajor,
  parseImageReference,
  publicBaseImages,
  resolveBaseImages,
  validateRegistry,
} from './base-images';
import { readPinnedNodeVersion } from './workspace-facts';

const digest = (char: string) => char.repeat(64);

describe('public base images', () => {
  it('follow the Node major, pair Debian 12 build and runtime images, and are pinned by digest', () => {
    const images = publicBaseImages('24.21.0');
    expect(images.build).toMatch(/^node:24-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(images.runtime).toMatch(/^gcr\.io\/distroless\/nodejs24-debian12:nonroot@sha256:[0-9a-f]{64}$/);
    expect(() => publicBaseImages('v26.1.0')).toThrow(/no pinned base images for Node 26/);
  });

  it('reject a version that is not exact', () => {
    expect(() => nodeMajor('lts/*')).toThrow(/not a Node version/);
  });

  it('are the defaults written in the Dockerfile, for the Node pinned in .nvmrc', () => {
    const dockerfile = fs.readFileSync(path.join(workspaceRoot, 'tools', 'docker', 'node-service.Dockerfile'), 'utf8');
    const defaults = Object.fromEntries([...dockerfile.matchAll(/^ARG (BUILD_BASE|RUNTIME_BASE)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
    const expected = publicBaseImages(readPinnedNodeVersion(workspaceRoot));
    expect(defaults).toEqual({ BUILD_BASE: expected.build, RUNTIME_BASE: expected.runtime });
  });
});

describe('image references', () => {
  it.each([
    ['node:24-bookworm-slim', { registry: 'docker.io', path: 'library/node', tag: '24-bookworm-slim' }],
    ['gcr.io/distroless/nodejs24-debian12:nonroot', { registry: 'gcr.io', path: 'distroless/nodejs24-debian12', tag: 'nonroot' }],
    ['127.0.0.1:5000/library/node', { registry: '127.0.0.1:5000', path: 'library/node', tag: 'latest' }],
    ['bitnami/nginx:1.27', { registry: 'docker.io', path: 'bitnami/nginx', tag: '1.27' }],
    [`node:24-bookworm-slim@sha256:${digest('e')}`, { registry: 'docker.io', path: 'library/node', tag: '24-bookworm-slim', digest: `sha256:${digest('e')}` }],
  ])('parses %s', (reference, expected) => {
    expect(parseImageReference(reference)).toEqual(expected);
  });

  it('mirror a public image under the same path and tag (what az acr import --image creates)', () => {
    expect(mirroredReference('node:24-bookworm-slim', '127.0.0.1:5000')).toBe('127.0.0.1:5000/library/node:24-bookworm-slim');
    expect(mirroredReference(`node:24-bookworm-slim@sha256:${digest('e')}`, '127.0.0.1:5000')).toBe('127.0.0.1:5000/library/node:24-bookworm-slim');
    expect(mirroredReference('gcr.io/distroless/nodejs24-debian12:nonroot', 'myacr.azurecr.io/mirror')).toBe(
      'myacr.azurecr.io/mirror/distroless/nodejs24-debian12:nonroot',
    );
  });
});

describe('SHIPYARD_BASE_REGISTRY', () => {
  it('unset: the public images', () => {
    expect(resolveBaseImages('24.21.0', {})).toEqual({ images: publicBaseImages('24.21.0'), source: { kind: 'public' } });
    expect(resolveBaseImages('24.21.0', { SHIPYARD_BASE_REGISTRY: '  ' }).source).toEqual({ kind: 'public' });
  });

  it('set: both bases from the mirror, nothing public left', () => {
    const { images, source } = resolveBaseImages('24.21.0', { SHIPYARD_BASE_REGISTRY: '127.0.0.1:5000' });
    expect(source).toEqual({ kind: 'mirror', registry: '127.0.0.1:5000' });
    expect(images).toEqual({
      build: '127.0.0.1:5000/library/node:24-bookworm-slim',
      runtime: '127.0.0.1:5000/distroless/nodejs24-debian12:nonroot',
    });
  });

  it.each(['https://127.0.0.1:5000', '127.0.0.1:5000/node:24', 'My Registry'])('rejects %s', (value) => {
    expect(() => resolveBaseImages('24.21.0', { SHIPYARD_BASE_REGISTRY: value })).toThrow(/SHIPYARD_BASE_REGISTRY/);
  });

  it('accepts a trailing slash', () => {
    expect(validateRegistry('myacr.azurecr.io/', 'X')).toBe('myacr.azurecr.io');
  });
});

describe('baseImageInputsHash', () => {
  it('does not depend on the order inputs are listed in', () => {
    expect(baseImageInputsHash({ rootfs: digest('a'), node: digest('b') })).toBe(baseImageInputsHash({ node: digest('b'), rootfs: digest('a') }));
  });

  it('changes when any input changes, or an input is renamed', () => {
    const base = baseImageInputsHash({ rootfs: digest('a'), node: digest('b') });
    expect(baseImageInputsHash({ rootfs: digest('a'), node: digest('c') })).not.toBe(base);
    expect(baseImageInputsHash({ rootfs: digest('a'), npm: digest('b') })).not.toBe(base);
    expect(baseImageInputsHash({ rootfs: digest('a'), node: digest('b'), npm: digest('d') })).not.toBe(base);
  });

  it('is a sha256 hex digest and refuses inputs that are not', () => {
    expect(baseImageInputsHash({ a: digest('0') })).toMatch(/^[0-9a-f]{64}$/);
    expect(() => baseImageInputsHash({ node: 'v24.21.0' })).toThrow(/not a sha256/);
  });
});
