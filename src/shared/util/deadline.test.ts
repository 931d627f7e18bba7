import { beforeDeadline } from './deadline';

describe('beforeDeadline', () => {
  it('returns the work when it settles first, and its rejection', async () => {
    await expect(beforeDeadline(Promise.resolve(7), 1_000, 'late')).resolves.toBe(7);
    await expect(beforeDeadline(Promise.reject(new Error('refused')), 1_000, 'late')).rejects.toThrow('refused');
  });

  it('rejects with the message once the budget has passed, and ignores the work settling later', async () => {
    let fail!: (e: Error) => void;
    const work = new Promise<number>((_, reject) => {
      fail = reject;
    });
    const started = Date.now();
    await expect(beforeDeadline(work, 30, 'given up')).rejects.toThrow('given up');
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    // A rejection after the give-up is not an unhandled rejection.
    fail(new Error('too late'));
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('gives up at once on a spent budget and waits without a budget', async () => {
    await expect(beforeDeadline(new Promise(() => undefined), -5, 'spent')).rejects.toThrow('spent');
    await expect(beforeDeadline(Promise.resolve('done'), Number.POSITIVE_INFINITY, 'never')).resolves.toBe('done');
  });
});
