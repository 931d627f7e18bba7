import type { ServiceClient } from './http';

/** A user for User Service's batch upsert, identified by `globalUserId`. */
export interface UserUpsert {
  globalUserId: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  phoneNumber?: string;
  ticketmasterId?: string;
  [attribute: string]: unknown;
}

export interface UpsertUsersResult {
  success: boolean;
  /** Global user ids the service could not write. */
  failed: string[];
}

export interface UserService {
  /** Upserts users; returns the global user ids that failed. */
  batchUpsert(users: readonly UserUpsert[]): Promise<UpsertUsersResult>;
}

/** User Service client. */
export function createUserService(client: ServiceClient): UserService {
  return {
    async batchUpsert(users) {
      if (users.length === 0) {
        return { success: true, failed: [] };
      }
      const body = await client.request<{ success?: unknown; failed?: unknown } | undefined>('POST', '/users/upsert', {
        body: users,
      });
      const failed = Array.isArray(body?.failed) ? body.failed.map(String) : [];
      return { success: body?.success === undefined ? failed.length === 0 : body.success === true, failed };
    },
  };
}
