import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('stays within [0, min(max, base * 2^(attempt-1))) for any jitter', () => {
    for (const attempt of [1, 2, 3, 4, 8, 20]) {
      const ceiling = Math.min(2000, 100 * 2 ** (attempt - 1));
      expect(backoffDelay(attempt, 100, 2000, () => 0)).toBe(0);
      expect(backoffDelay(attempt, 100, 2000, () => 0.999999)).toBeLessThan(ceiling);
      expect(backoffDelay(attempt, 100, 2000, () => 0.999999)).toBeGreaterThanOrEqual(ceiling - 1);
    }
  });

  it('doubles the ceiling per attempt until the maximum', () => {
    const half = (attempt: number) => backoffDelay(attempt, 100, 1000, () => 0.5);
    expect([1, 2, 3, 4, 5, 6].map(half)).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it('spreads delays with Math.random by default', () => {
    const samples = Array.from({ length: 200 }, () => backoffDelay(3, 100, 1000));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThan(400);
    expect(new Set(samples).size).toBeGreaterThan(10);
  });
});
