import { setTimeout as sleep } from 'node:timers/promises';
import { mapWithConcurrency } from './concurrency';

describe('mapWithConcurrency', () => {
  it('keeps the input order and never exceeds the limit', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapWithConcurrency([5, 1, 4, 2, 3, 0, 6, 2, 1, 3], 3, async (ms, index) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(ms);
      running--;
      return `${index}:${ms}`;
    });
    expect(results).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:0', '6:6', '7:2', '8:1', '9:3']);
    expect(peak).toBe(3);
  });

  it('starts no new call after a failure and rejects with it', async () => {
    const started: number[] = [];
    const failure = mapWithConcurrency([0, 1, 2, 3, 4, 5], 2, async (item) => {
      started.push(item);
      await sleep(1);
      if (item === 1) throw new Error('boom');
      return item;
    });
    await expect(failure).rejects.toThrow('boom');
    expect(started).toEqual([0, 1, 2]);
  });

  it('handles an empty list and rejects a bad limit', async () => {
    await expect(mapWithConcurrency([], 8, async () => 1)).resolves.toEqual([]);
    await expect(mapWithConcurrency([1], 0, async () => 1)).rejects.toThrow(RangeError);
  });
});
