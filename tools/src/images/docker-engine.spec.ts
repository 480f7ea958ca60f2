import { buildkitArgs, type BuildRequest, dockerBuild, legacyBuildArgs } from './docker-engine';

const request: BuildRequest = {
  dockerfile: '/w/tools/docker/node-service.Dockerfile',
  context: '/w/tmp/images/catalog-api/context',
  tags: ['127.0.0.1:5000/catalog-api:abc', '127.0.0.1:5000/catalog-api:main'],
  buildArgs: { BUILD_BASE: 'b', RUNTIME_BASE: 'r' },
  network: 'none',
  pull: true,
  cacheFrom: ['127.0.0.1:5000/catalog-api:main'],
};

describe('BuildKit build arguments', () => {
  it('export inline cache metadata with every image and import the named caches', () => {
    const args = buildkitArgs(request, '/tmp/iid');
    expect(args.slice(0, 9)).toEqual(['build', '--file', request.dockerfile, '--network', 'none', '--progress', 'plain', '--iidfile', '/tmp/iid']);
    expect(args).toEqual(expect.arrayContaining(['--pull', '--tag', '127.0.0.1:5000/catalog-api:abc', '--build-arg', 'BUILD_BASE=b']));
    expect(args.join(' ')).toContain('--cache-to type=inline --cache-from type=registry,ref=127.0.0.1:5000/catalog-api:main');
    expect(args.at(-1)).toBe(request.context);
  });

  it('without cache references still export the inline cache (the image becomes the next build\'s cache)', () => {
    const args = buildkitArgs({ ...request, cacheFrom: undefined, pull: false, noCache: true }, '/tmp/iid');
    expect(args).toContain('--no-cache');
    expect(args).not.toContain('--pull');
    expect(args).not.toContain('--cache-from');
    expect(args.join(' ')).toContain('--cache-to type=inline');
  });
});

describe('legacy build arguments', () => {
  it('are the classic `docker build` call, with no BuildKit-only flags', () => {
    const args = legacyBuildArgs(request);
    expect(args.slice(0, 6)).toEqual(['build', '--file', request.dockerfile, '--network', 'none', '--force-rm']);
    expect(args.join(' ')).not.toMatch(/--cache-(to|from)|--progress|--iidfile/);
  });

  it('refuse a registry cache, which the legacy builder cannot import', async () => {
    await expect(dockerBuild(request, { kind: 'legacy' })).rejects.toThrow('the legacy builder cannot import a registry cache');
  });
});
