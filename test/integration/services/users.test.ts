import { createUserService } from '../../../src/shared/services';
import { clientFor, useServiceFakes } from './setup';

const fakes = useServiceFakes();
const service = () => createUserService(clientFor(fakes(), 'users'));

describe('User Service client', () => {
  it('upserts users', async () => {
    await expect(
      service().batchUpsert([{ globalUserId: 'g1', email: 'a@example.com', firstName: 'A' }, { globalUserId: 'g2' }]),
    ).resolves.toEqual({ success: true, failed: [] });
    expect(fakes().users.users.get('g1')).toEqual({ globalUserId: 'g1', email: 'a@example.com', firstName: 'A' });
    expect(fakes().users.requests[0].body).toEqual([
      { globalUserId: 'g1', email: 'a@example.com', firstName: 'A' },
      { globalUserId: 'g2' },
    ]);
  });

  it('returns the global user ids that failed', async () => {
    fakes().users.failUsers(['g2']);
    await expect(service().batchUpsert([{ globalUserId: 'g1' }, { globalUserId: 'g2' }])).resolves.toEqual({
      success: false,
      failed: ['g2'],
    });
    expect([...fakes().users.users.keys()]).toEqual(['g1']);
  });

  it('is told 400 for a user without a global user id', async () => {
    await expect(service().batchUpsert([{ globalUserId: '' }])).rejects.toMatchObject({
      status: 400,
      attempts: 1,
      serviceError: { code: 'invalidUsers' },
    });
  });
});
