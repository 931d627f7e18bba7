import type { SqsMessage } from '../../../shared/runtime';
import { memoryLogger } from '../../../../test/doubles/runtime';
import { ServiceError } from '../../../shared/services/http';
import type { UpsertUsersResult, UserService, UserUpsert } from '../../../shared/services/users';
import { MAX_USERS_PER_REQUEST, upsertUsers } from './upsertUsers';

const message = (messageId: string, body: UserUpsert): SqsMessage<UserUpsert> => ({
  messageId,
  body,
  messageAttributes: {},
  receiveCount: 1,
  eventSourceArn: 'arn:aws:sqs:us-east-1:0:user-info',
});

/** A User Service stand-in answering each call with the next scripted result. */
function service(...answers: (UpsertUsersResult | Error)[]): UserService & { calls: UserUpsert[][] } {
  const calls: UserUpsert[][] = [];
  return {
    calls,
    async batchUpsert(users) {
      calls.push([...users]);
      const answer = answers.shift() ?? { success: true, failed: [] };
      if (answer instanceof Error) {
        throw answer;
      }
      return answer;
    },
  };
}

const serviceDown = () =>
  new ServiceError({
    service: 'users',
    method: 'POST',
    path: '/users/upsert',
    status: 503,
    retryable: true,
    attempts: 4,
    reason: 'down',
  });

describe('upsertUsers', () => {
  it('sends each user once, merging repeated messages in arrival order', async () => {
    const users = service();
    const result = await upsertUsers(
      [
        message('m1', { globalUserId: 'g1', email: 'old@x.io', firstName: 'A' }),
        message('m2', { globalUserId: 'g2' }),
        message('m3', { globalUserId: 'g1', email: 'new@x.io' }),
      ],
      users,
      memoryLogger(),
    );
    expect(users.calls).toEqual([[{ globalUserId: 'g1', email: 'new@x.io', firstName: 'A' }, { globalUserId: 'g2' }]]);
    expect(result).toEqual({ failed: [], counts: { users: 2, upserted: 2 } });
  });

  it('fails exactly the messages of the user ids User Service names', async () => {
    const result = await upsertUsers(
      [
        message('m1', { globalUserId: 'g1' }),
        message('m2', { globalUserId: 'g2' }),
        message('m3', { globalUserId: 'g1' }),
      ],
      service({ success: false, failed: ['g1'] }),
      memoryLogger(),
    );
    expect(result.failed).toEqual(['m1', 'm3']);
    expect(result.counts).toEqual({ users: 2, upserted: 1 });
  });

  it('fails every message when the service reports failure without naming anyone', async () => {
    const result = await upsertUsers(
      [message('m1', { globalUserId: 'g1' }), message('m2', { globalUserId: 'g2' })],
      service({ success: false, failed: [] }),
      memoryLogger(),
    );
    expect(result.failed).toEqual(['m1', 'm2']);
  });

  it('fails only the messages of a request that failed as a whole, and logs why', async () => {
    const many = Array.from({ length: MAX_USERS_PER_REQUEST + 2 }, (_, i) =>
      message(`m${i}`, { globalUserId: `g${i}` }),
    );
    const log = memoryLogger();
    const users = service({ success: true, failed: [] }, serviceDown());
    const result = await upsertUsers(many, users, log);
    expect(users.calls.map((c) => c.length)).toEqual([MAX_USERS_PER_REQUEST, 2]);
    expect(result.failed).toEqual([`m${MAX_USERS_PER_REQUEST}`, `m${MAX_USERS_PER_REQUEST + 1}`]);
    expect(
      log.lines.some(
        (l) => l.level === 'error' && String((l.data as { error: { message: string } }).error.message).includes('503'),
      ),
    ).toBe(true);
  });
});
