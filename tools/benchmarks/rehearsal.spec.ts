import { formatBenchmark, stageSeconds } from './rehearsal';

describe('rehearsal benchmark', () => {
  it('reads the stage-end lines a rehearsal prints', () => {
    expect(stageSeconds('[rehearse 1:02] images: ok in 12.3 s — built catalog-api')).toEqual(['images', 12.3]);
    expect(stageSeconds('[rehearse 0:09] registry + release: ok in 4.0 s — pushed 1 image(s)')).toEqual(['registry + release', 4]);
    expect(stageSeconds('[rehearse 2:40] smoke dev: rolled back in 30.1 s — FAILED')).toEqual(['smoke dev', 30.1]);
    expect(stageSeconds('[rehearse 0:01] ── affected')).toBeNull();
    expect(stageSeconds('[rehearse 0:05] affected: FAILED — boom')).toBeNull();
  });

  it('prints each stage cold and warm, the time outside stages, the totals and the ratio', () => {
    const text = formatBenchmark({
      app: 'catalog-api',
      coldMs: 100_000,
      warmMs: 25_000,
      ratio: 0.25,
      stages: { cold: { affected: 5, images: 60 }, warm: { affected: 2, images: 10 } },
    });
    expect(text.split('\n')).toEqual([
      'stage                        cold s   warm s',
      'affected                        5.0      2.0',
      'images                         60.0     10.0',
      '(start, services, summary)     35.0     13.0',
      'total                         100.0     25.0',
      'ratio warm/cold: 0.25 (target ≤ 0.3; warm = after a one-line change in catalog-api)',
    ]);
  });
});
