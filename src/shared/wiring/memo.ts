/**
 * Collaborators built from configuration, once per execution environment. They are split by
 * concern (aws, mongo, campaigns, kafka, services) so that a worker's bundle holds only the
 * clients it imports: a worker that never talks to MongoDB does not carry the driver.
 */
const memo = new Map<string, unknown>();

/** The value stored under `key`, created by `create` on first use. */
export function once<T>(key: string, create: () => T): T {
  if (!memo.has(key)) {
    memo.set(key, create());
  }
  return memo.get(key) as T;
}

/** Forgets every collaborator (tests that change configuration between cases). */
export function resetWiring(): void {
  memo.clear();
}
