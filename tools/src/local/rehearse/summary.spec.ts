import { formatDuration, formatSummary, nxRan, progressLine } from './summary';

describe('summary', () => {
  it('formats durations for people', () => {
    expect([formatDuration(850), formatDuration(12_345), formatDuration(125_000)]).toEqual(['850 ms', '12.3 s', '2 min 5 s']);
    // Seen in a rehearsal's summary as "2 min 60 s".
    expect([formatDuration(179_600), formatDuration(119_499)]).toEqual(['3 min 0 s', '1 min 59 s']);
  });

  it('prints a table with wrapped descriptions and says whether every stage succeeded', () => {
    const table = formatSummary(
      [
        { stage: 'affected', did: 'catalog-api affected', durationMs: 3200, result: 'ok' },
        { stage: 'smoke dev', did: 'quote through the storefront failed; rolled back from aaa to bbb', durationMs: 9000, result: 'rolled back' },
      ],
      30,
    );
    expect(table.split('\n')).toEqual([
      'stage      what it did                   duration  result',
      '---------  ----------------------------  --------  -----------',
      'affected   catalog-api affected          3.2 s     ok',
      'smoke dev  quote through the storefront  9.0 s     rolled back',
      '           failed; rolled back from aaa',
      '           to bbb',
      'total 12.2 s; NOT every stage succeeded',
    ]);
    expect(formatSummary([{ stage: 'a', did: 'b', durationMs: 1, result: 'ok' }])).toMatch(/every stage succeeded$/);
  });

  it('prefixes progress with minutes:seconds since the start', () => {
    expect(progressLine(83_400, 'images')).toBe('[rehearse 1:23] images');
  });
});

describe('nxRan', () => {
  it.each([
    ['\u001b[32m NX \u001b[39m  Successfully ran targets lint, build for 6 projects (27s)', '6 projects'],
    [' NX   Successfully ran targets lint, build for project catalog-api and 3 tasks it depends on', 'project catalog-api'],
    [' NX   No tasks were run', 'no affected project'],
  ])('%s → %s', (output, expected) => expect(nxRan(output)).toBe(expected));
});
