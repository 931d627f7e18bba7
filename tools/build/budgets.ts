/**
 * Size budget of each worker's minified bundle (`index.js` in its ZIP), in bytes. The build
 * fails when a worker's bundle is larger, so a heavy import into a light worker is caught in
 * review rather than as a slower cold start.
 *
 * Set from measurement (the largest of qa/dev/preprod/prod, esbuild 0.28, 2026-11 sources) plus
 * about 15% headroom, rounded to 25 KiB. The measured sizes are in the comments; docs/build-and-ci.md
 * explains what makes a bundle heavy. Change a budget deliberately, in the same change as the
 * import that needs it; lower it when a worker gets lighter.
 */
const KiB = 1024;

/**
 * Budget of a worker without its own line below, such as one just made by `npm run new-worker`:
 * the AWS SDK clients and the HTTP service clients. Give it a line once it is measured.
 */
export const DEFAULT_BUNDLE_BUDGET = 600 * KiB;

/** The budget of every worker of `workers`: its own line, or the default. */
export const bundleBudgets = (workers: readonly { name: string }[]): Record<string, number> =>
  Object.fromEntries(workers.map((w) => [w.name, BUNDLE_BUDGETS[w.name] ?? DEFAULT_BUNDLE_BUDGET]));

/**
 * Budget of each file a worker loads on first use (tools/build/bundle.ts `lazyFiles`), the same
 * for every worker that carries it. `mongodb.js`: the MongoDB driver with its URL parser
 * (whatwg-url, tr46) and bson, without the AWS SDK credential providers.
 */
export const LAZY_FILE_BUDGETS: Readonly<Record<string, number>> = {
  'mongodb.js': 900 * KiB, // 772 KiB
};

export const BUNDLE_BUDGETS: Readonly<Record<string, number>> = {
  // Measured 2026-12-07: the MongoDB driver beside index.js (mongodb.js), the JSON schemas
  // compiled at build time instead of ajv (tools/build/bundle.ts).
  // ioredis and libphonenumber-js, and the driver on first use.
  checkEligibility: 875 * KiB, // 756 KiB (1616 KiB with the driver inside)
  // The AWS SDK clients, and the driver on first use.
  notificationGenerator: 650 * KiB, // 565 KiB (1424 KiB with the driver inside)
  getMarketsToNotify: 550 * KiB, // 480 KiB (1338 KiB)
  planSends: 575 * KiB, // 492 KiB (1350 KiB)
  triggerReminderEmail: 575 * KiB, // 487 KiB (1346 KiB)
  // kafkajs, and the data record validators compiled at build time (about 70 KiB more than ajv,
  // but no schema compilation in the first invocation).
  sendData: 975 * KiB, // 855 KiB
  processData: 675 * KiB, // 578 KiB
  // AWS SDK clients and the HTTP service clients only: about 0.5 MB. A MongoDB, Kafka or Redis
  // import fails these.
  upsertUsers: 600 * KiB, // 517 KiB
  enqueueEntries: 575 * KiB, // 497 KiB
  saveEntries: 625 * KiB, // 532 KiB
  retryScore: 575 * KiB, // 491 KiB
  enqueueMarketSelections: 600 * KiB, // 524 KiB
  saveSelections: 625 * KiB, // 539 KiB
  refreshSelections: 600 * KiB, // 523 KiB
  markAssignedCodes: 575 * KiB, // 488 KiB
};
