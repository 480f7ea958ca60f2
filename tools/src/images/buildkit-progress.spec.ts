import { parseBuildkitProgress, parseSize } from './buildkit-progress';
import { stepUsedCache } from './docker-engine';

// Lines as `buildx build --progress plain` printed them for catalog-api against Docker 20.10
// (the RUN line shortened): a rebuild after a code change, on an engine holding the layer cache.
const rebuild = `#0 building with "default" instance using docker driver

#3 [internal] load metadata for 127.0.0.1:5000/library/node:24-bookworm-slim
#3 DONE 0.0s

#5 [deps 1/5] FROM 127.0.0.1:5000/library/node:24-bookworm-slim
#5 DONE 0.0s

#6 [stage-1 1/4] FROM 127.0.0.1:5000/distroless/nodejs24-debian12:nonroot
#6 CACHED

#7 [stage-1 2/4] WORKDIR /srv
#7 CACHED

#8 [internal] load build context
#8 transferring context: 14.99MB 0.8s done
#8 DONE 0.8s

#9 [deps 3/5] COPY npm/ /tmp/npm/
#9 CACHED

#11 [deps 2/5] WORKDIR /srv
#11 CACHED

#12 [deps 5/5] RUN set -eu;     npm ci --omit=dev --ignore-scripts --no-audit --no-fund --no-update-notifier "$mode" --cache "$cache"
#12 CACHED

#13 [stage-1 3/4] COPY --from=deps /srv/ /srv/
#13 CACHED

#14 [stage-1 4/4] COPY payload/ /srv/
#14 DONE 0.0s
`;

describe('BuildKit plain progress', () => {
  it('lists the layer-making steps and which of them came from cache', () => {
    const { steps } = parseBuildkitProgress(rebuild);
    expect(steps.map((step) => [step.name.slice(0, step.name.indexOf(']') + 1), step.cached])).toEqual([
      ['[stage-1 2/4]', true],
      ['[deps 3/5]', true],
      ['[deps 2/5]', true],
      ['[deps 5/5]', true],
      ['[stage-1 3/4]', true],
      ['[stage-1 4/4]', false],
    ]);
    expect(stepUsedCache(rebuild, 'npm ci')).toBe(true);
    expect(stepUsedCache(rebuild, 'COPY payload/')).toBe(false);
    expect(() => stepUsedCache(rebuild, 'yarn install')).toThrow('no build step contains "yarn install"');
  });

  it('counts each downloaded blob once, at its full size, and sees a cache import', () => {
    const pulled = [
      '#4 importing cache manifest from 127.0.0.1:40113/shipyard-benchmark/catalog-api:cache',
      '#4 DONE 0.1s',
      '#6 [stage-1 1/4] FROM 127.0.0.1:40113/distroless/nodejs24-debian12:nonroot@sha256:aa',
      '#6 sha256:1111111111111111111111111111111111111111111111111111111111111111 0B / 45.20MB 0.2s',
      '#6 sha256:1111111111111111111111111111111111111111111111111111111111111111 20.97MB / 45.20MB 0.5s',
      '#6 sha256:1111111111111111111111111111111111111111111111111111111111111111 45.20MB / 45.20MB 1.0s done',
      '#6 sha256:2222222222222222222222222222222222222222222222222222222222222222 1.31kB / 1.31kB 0.1s done',
      '#6 extracting sha256:1111111111111111111111111111111111111111111111111111111111111111',
      '#6 DONE 3.0s',
    ].join('\n');
    expect(parseBuildkitProgress(pulled)).toMatchObject({ bytesPulled: 45_200_000 + 1_310, blobsPulled: 2, importedCache: true });
    expect(parseBuildkitProgress(rebuild)).toMatchObject({ bytesPulled: 0, blobsPulled: 0, importedCache: false });
  });

  it('reads go-units sizes', () => {
    expect(parseSize('0B')).toBe(0);
    expect(parseSize('1.31kB')).toBe(1310);
    expect(parseSize('40.37MB')).toBe(40_370_000);
    expect(parseSize('1.2GB')).toBe(1_200_000_000);
    expect(() => parseSize('lots')).toThrow('not a size: lots');
  });
});
