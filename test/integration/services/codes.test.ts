import { createCodeService, createServiceClient } from '../../../src/shared/services';
import { RESERVATION_MS, createCodeServiceFake } from '../../../tools/local/emulators/fakes/codeService';
import { clientFor, getToken, keys, useServiceFakes } from './setup';

const fakes = useServiceFakes();
const service = () => createCodeService(clientFor(fakes(), 'codes'));

describe('Code Service client', () => {
  beforeEach(() => {
    fakes().codes.seedCodes('c1', 'tm', ['T1', 'T2', 'T3']);
    fakes().codes.seedCodes('c1', 'external', ['X1', 'X2']);
  });

  it('reserves codes of the requested type', async () => {
    const { codes, reserveId } = await service().reserveCodes('c1', { count: 2, type: 'tm' });
    expect(codes).toEqual(['T1', 'T2']);
    expect(reserveId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fakes().codes.requests[0].query).toEqual({ count: '2', type: 'tm' });
    await expect(service().countCodes('c1', { type: 'tm' })).resolves.toEqual({
      available: 1,
      reserved: 2,
      assigned: 0,
    });
  });

  it('returns fewer codes than asked when the pool runs short', async () => {
    await expect(service().reserveCodes('c1', { count: 5, type: 'external' })).resolves.toMatchObject({
      codes: ['X1', 'X2'],
    });
    await expect(service().reserveCodes('c1', { count: 5, type: 'external' })).resolves.toMatchObject({ codes: [] });
  });

  it('assigns reserved or available codes once, and counts', async () => {
    const codes = service();
    await codes.reserveCodes('c1', { count: 1, type: 'tm' });
    await expect(codes.assignCodes('c1', ['T1', 'T2', 'UNKNOWN'])).resolves.toEqual({ count: { in: 3, updated: 2 } });
    await expect(codes.assignCodes('c1', ['T1'])).resolves.toEqual({ count: { in: 1, updated: 0 } });
    expect(fakes().codes.statusOf('c1', 'T1')).toBe('assigned');
    await expect(codes.countCodes('c1')).resolves.toEqual({ available: 3, reserved: 0, assigned: 2 });
    await expect(codes.countCodes('c1', { status: 'assigned' })).resolves.toEqual({
      available: 0,
      reserved: 0,
      assigned: 2,
    });
  });

  it('releases only reserved, unassigned codes', async () => {
    const codes = service();
    await codes.reserveCodes('c1', { count: 3, type: 'tm' });
    await codes.assignCodes('c1', ['T1']);
    await expect(codes.releaseCodes('c1', ['T1', 'T2', 'T3'])).resolves.toEqual({ count: { in: 3, updated: 2 } });
    expect(['T1', 'T2', 'T3'].map((c) => fakes().codes.statusOf('c1', c))).toEqual([
      'assigned',
      'available',
      'available',
    ]);
    await expect(codes.reserveCodes('c1', { count: 3, type: 'tm' })).resolves.toMatchObject({ codes: ['T2', 'T3'] });
  });

  it('is told 400 for an unknown type', async () => {
    await expect(service().reserveCodes('c1', { count: 1, type: 'vip' as never })).rejects.toMatchObject({
      status: 400,
      serviceError: { code: 'InvalidType' },
    });
  });

  it('hands out codes once until their reservation lapses, then again, in any order of calls', async () => {
    // Its own fake, on a clock the test moves.
    let now = Date.parse('2026-12-01T00:00:00Z');
    const fake = createCodeServiceFake({ publicKey: keys.publicKey, now: () => now });
    const { url, stop } = await fake.start();
    try {
      const codes = createCodeService(
        createServiceClient({
          service: 'codes',
          baseUrl: url,
          timeoutMs: 2000,
          retries: 0,
          backoffBaseMs: 1,
          backoffMaxMs: 5,
          getToken,
        }),
      );
      fake.seedCodes('c1', 'external', ['A', 'B', 'C', 'D']);
      const reserve = async (count: number) => (await codes.reserveCodes('c1', { count, type: 'external' })).codes;
      expect(await reserve(2)).toEqual(['A', 'B']);
      now += RESERVATION_MS / 2;
      expect(await reserve(1)).toEqual(['C']);
      await codes.assignCodes('c1', ['D']);
      expect(await reserve(5)).toEqual([]);
      // A and B lapse first; C, reserved later, is still held; D is assigned for good.
      now += RESERVATION_MS / 2;
      expect(await reserve(5)).toEqual(['A', 'B']);
      await codes.releaseCodes('c1', ['A']);
      expect(await reserve(5)).toEqual(['A']);
      now += RESERVATION_MS;
      expect((await reserve(5)).sort()).toEqual(['A', 'B', 'C']);
      // Seeding a code again makes it available as the given type.
      fake.seedCodes('c1', 'tm', ['B']);
      expect(await codes.reserveCodes('c1', { count: 5, type: 'tm' })).toMatchObject({ codes: ['B'] });
      expect(fake.statusOf('c1', 'D')).toBe('assigned');
    } finally {
      await stop();
    }
  });
});
