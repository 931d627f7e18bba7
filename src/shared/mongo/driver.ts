import type * as Driver from 'mongodb';

export type MongoDriver = typeof Driver;

let driver: Promise<MongoDriver> | undefined;

/**
 * The MongoDB driver, loaded on first use. This is the one place that imports `mongodb` as a
 * value (eslint forbids it elsewhere): the build puts the driver in its own file beside the
 * worker's `index.js` (`mongodb.js`, tools/build/bundle.ts), and this import becomes a `require`
 * of that file. A cold start no longer parses and runs the driver's 0.8 MB; only the path that
 * talks to MongoDB pays for it, once per execution environment (checkEligibility: a campaign
 * cache miss; the notification workers: their first query).
 */
export function loadMongoDriver(): Promise<MongoDriver> {
  driver ??= import('mongodb').catch((error: unknown) => {
    driver = undefined;
    throw error;
  });
  return driver;
}
