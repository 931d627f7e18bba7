import { mapLimit } from './mapLimit';

describe('mapLimit', () => {
  it('maps with bounded concurrency, keeping order', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 3, 2], 2, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 30, 20]);
    expect(most).toBe(2);
  });
});
