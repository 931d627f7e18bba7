import type { KeyObject } from 'node:crypto';
import type { FakeControls, FakeRequest } from './server';
import { check, createFakeServer, isObject, ok, extendFake } from './server';

export interface UserServiceFake extends FakeControls {
  /** Users keyed by globalUserId. */
  readonly users: Map<string, Record<string, unknown>>;
  /** Upserts of these global user ids fail until `reset`. */
  failUsers(globalUserIds: string[]): void;
}

const MAX_BATCH = 1000;

/** A stateful fake of User Service's batch upsert. */
export function createUserServiceFake(options: { publicKey?: string | KeyObject } = {}): UserServiceFake {
  const users = new Map<string, Record<string, unknown>>();
  const failing = new Set<string>();

  const upsert = (req: FakeRequest) => {
    const list = req.body;
    check(Array.isArray(list) && list.length > 0, 'invalidUsers', 'body must be a non-empty array of users');
    check(list.length <= MAX_BATCH, 'batchTooLarge', `at most ${MAX_BATCH} users per request`);
    for (const user of list) {
      check(
        isObject(user) && typeof user.globalUserId === 'string' && user.globalUserId !== '',
        'invalidUsers',
        'each user needs a globalUserId',
      );
      check(
        user.email === undefined || (typeof user.email === 'string' && user.email.includes('@')),
        'invalidEmail',
        `user ${user.globalUserId} has an invalid email`,
      );
    }
    const failed: string[] = [];
    for (const user of list as Record<string, unknown>[]) {
      const id = user.globalUserId as string;
      if (failing.has(id)) {
        failed.push(id);
        continue;
      }
      users.set(id, { ...users.get(id), ...structuredClone(user) });
    }
    return ok(req, { success: failed.length === 0, failed });
  };

  const server = createFakeServer({
    name: 'users',
    auth: 'bearer',
    publicKey: options.publicKey,
    routes: [{ method: 'POST', pattern: '/users/upsert', handle: upsert }],
    state: () => ({ users: Object.fromEntries(users), failingUsers: [...failing] }),
    clearFailures: () => failing.clear(),
    resetState: () => {
      users.clear();
    },
    actions: {
      failUsers: (body) => {
        check(
          isObject(body) && Array.isArray(body.globalUserIds),
          'invalidControl',
          'body is { globalUserIds: [...] }',
        );
        body.globalUserIds.forEach((id) => failing.add(String(id)));
        return { failing: [...failing] };
      },
    },
  });
  return extendFake(server, { users, failUsers: (ids: string[]) => ids.forEach((id) => failing.add(id)) });
}
