import { TimeoutError, withTimeout } from './timeout';

describe('withTimeout', () => {
  it('returns the result of work that finishes in time', async () => {
    await expect(withTimeout(async () => 'done', 100)).resolves.toBe('done');
  });

  it('turns a synchronous throw into a rejection', async () => {
    await expect(
      withTimeout(() => {
        throw new Error('sync failure');
      }, 100),
    ).rejects.toThrow('sync failure');
  });

  it('rejects with TimeoutError when the work is slower than the limit', async () => {
    const slow = () => new Promise<void>((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    await expect(withTimeout(slow, 30)).rejects.toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(400);
  });
});
