import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildxBinaryPath, ensureBuildx, legacyBuilderWarning, parseBuilderChoice, parseBuildxVersion, pinnedBuildxVersion, resolveImageBuilder } from './buildx';

describe('builder choice', () => {
  it('is BuildKit unless the legacy builder is asked for, by flag or environment', () => {
    expect(parseBuilderChoice(undefined, {})).toBe('buildkit');
    expect(parseBuilderChoice('legacy', {})).toBe('legacy');
    expect(parseBuilderChoice(undefined, { SHIPYARD_IMAGE_BUILDER: 'legacy' })).toBe('legacy');
    expect(parseBuilderChoice('buildkit', { SHIPYARD_IMAGE_BUILDER: 'legacy' })).toBe('buildkit');
    expect(parseBuilderChoice(undefined, { SHIPYARD_IMAGE_BUILDER: ' ' })).toBe('buildkit');
  });

  it('refuses anything else, naming where the value came from', () => {
    expect(() => parseBuilderChoice('kaniko', {})).toThrow('--builder kaniko: the image builder is buildkit (default) or legacy');
    expect(() => parseBuilderChoice(undefined, { SHIPYARD_IMAGE_BUILDER: 'classic' })).toThrow('SHIPYARD_IMAGE_BUILDER=classic');
  });

  it('warns every time the legacy builder is used', async () => {
    const lines: string[] = [];
    expect(await resolveImageBuilder('legacy', { cacheDir: '/nonexistent', env: {}, log: (line) => lines.push(line) })).toEqual({ kind: 'legacy' });
    expect(lines).toEqual([`warning: ${legacyBuilderWarning}`]);
  });
});

describe('buildx built here', () => {
  it('is cached per buildx version and Go toolchain, laid out as a docker CLI plugin', () => {
    expect(buildxBinaryPath('/c', 'v0.38.2', 'go1.26.8')).toBe('/c/buildx/v0.38.2-go1.26.8/cli-plugins/docker-buildx');
  });

  it('reads the version buildx reports', () => {
    expect(parseBuildxVersion('github.com/docker/buildx v0.38.2 3d2c1b0\n')).toBe('v0.38.2');
    expect(parseBuildxVersion('github.com/docker/buildx 0.0.0+unknown')).toBeNull();
  });

  describe('ensureBuildx, with stand-in `docker` (no buildx plugin) and `go` programs on PATH', () => {
    let dir: string;
    let cacheDir: string;
    let env: NodeJS.ProcessEnv;
    const goLog = () => fs.readFileSync(path.join(dir, 'go.log'), 'utf8');

    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipyard-buildx-spec-'));
      cacheDir = path.join(dir, 'cache');
      const bin = path.join(dir, 'bin');
      fs.mkdirSync(bin);
      fs.writeFileSync(path.join(bin, 'docker'), '#!/bin/sh\necho "docker: unknown command: docker buildx" >&2\nexit 1\n', { mode: 0o755 });
      // `go install` writes a buildx that answers `version`, after a pause long enough for progress lines.
      fs.writeFileSync(
        path.join(bin, 'go'),
        [
          '#!/bin/sh',
          `echo "$*" >> ${path.join(dir, 'go.log')}`,
          'if [ "$1 $2" = "env GOVERSION" ]; then echo go1.26.8; exit 0; fi',
          'echo "GOFLAGS=$GOFLAGS" >> ' + path.join(dir, 'go.log'),
          'sleep 1.5',
          'mkdir -p "$GOBIN"',
          `printf '#!/bin/sh\\necho github.com/docker/buildx %s abc\\n' "\${VERSION:-${pinnedBuildxVersion}}" > "$GOBIN/buildx"`,
          'chmod +x "$GOBIN/buildx"',
        ].join('\n'),
        { mode: 0o755 },
      );
      env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('builds the pinned version once, with progress lines, and reuses it', async () => {
      const lines: string[] = [];
      const first = await ensureBuildx({ cacheDir, env, log: (line) => lines.push(line), progressEverySeconds: 0.4 });
      const binary = buildxBinaryPath(cacheDir, pinnedBuildxVersion, 'go1.26.8');
      expect(first).toEqual({ command: [binary], env: { BUILDX_CONFIG: path.join(cacheDir, 'buildx', 'state') }, version: pinnedBuildxVersion, source: 'built', binary });
      expect(goLog()).toContain(`install -ldflags=-X github.com/docker/buildx/version.Version=${pinnedBuildxVersion}`);
      expect(goLog()).toContain(`github.com/docker/buildx/cmd/buildx@${pinnedBuildxVersion}`);
      expect(goLog()).toContain('GOFLAGS=-mod=mod');
      expect(lines.filter((line) => line.startsWith('still building buildx')).length).toBeGreaterThanOrEqual(2);
      // Nothing but the finished plugin folder is left in the cache.
      expect(fs.readdirSync(path.join(cacheDir, 'buildx'))).toEqual([`${pinnedBuildxVersion}-go1.26.8`]);

      const installs = goLog().split('\n').filter((line) => line.startsWith('install')).length;
      expect(await ensureBuildx({ cacheDir, env, log: () => undefined })).toEqual(first);
      expect(goLog().split('\n').filter((line) => line.startsWith('install')).length).toBe(installs);
    });

    it('refuses a built binary that reports another version, and leaves nothing behind', async () => {
      await expect(ensureBuildx({ cacheDir, env: { ...env, VERSION: 'v0.1.0' }, log: () => undefined })).rejects.toThrow(
        `built buildx reports v0.1.0, expected ${pinnedBuildxVersion}`,
      );
      expect(fs.readdirSync(path.join(cacheDir, 'buildx'))).toEqual([]);
    });

    it('uses the docker CLI plugin when there is one', async () => {
      fs.writeFileSync(path.join(dir, 'bin', 'docker'), '#!/bin/sh\n[ "$1 $2" = "buildx version" ] && echo "github.com/docker/buildx v0.30.1 1234"\n', { mode: 0o755 });
      expect(await ensureBuildx({ cacheDir, env, log: () => undefined })).toEqual({
        command: ['docker', 'buildx'],
        env: {},
        version: 'v0.30.1',
        source: 'docker-plugin',
        binary: null,
      });
      expect(fs.existsSync(path.join(dir, 'go.log'))).toBe(false);
    });

    it('says what to install when there is neither a plugin nor Go', async () => {
      fs.rmSync(path.join(dir, 'bin', 'go'));
      const noGo = { ...env, PATH: `${path.join(dir, 'bin')}:/nonexistent` };
      await expect(ensureBuildx({ cacheDir, env: noGo, log: () => undefined })).rejects.toThrow(/install Go \(1\.26\) or the docker-buildx plugin, or build with --builder legacy/);
    });
  });
});
