/** Jest global teardown for the `integration` project: stops what globalSetup started. */
import { STOPS_KEY } from './globalSetup';

/** Stops every component globalSetup started (no-ops for ones taken from the environment). */
export default async function globalTeardown(): Promise<void> {
  const stops = ((globalThis as Record<string, unknown>)[STOPS_KEY] ?? []) as Array<() => Promise<void>>;
  delete (globalThis as Record<string, unknown>)[STOPS_KEY];
  await Promise.all(stops.map((stop) => stop()));
}
