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
  // The MongoDB driver is not in index.js (it is mongodb.js beside it, LAZY_FILE_BUDGETS):
  // ioredis and libphonenumber-js for checkEligibility, the AWS SDK clients for the others.
  checkEligibility: 900 * KiB, // 783 KiB (1616 KiB with the driver inside)
  notificationGenerator: 700 * KiB, // 593 KiB
  getMarketsToNotify: 600 * KiB, // 506 KiB
  planSends: 600 * KiB, // 518 KiB
  triggerReminderEmail: 600 * KiB, // 513 KiB
  // kafkajs: about 0.8 MB.
  sendData: 925 * KiB, // 785 KiB
  // AWS SDK clients and the HTTP service clients only: about 0.5 MB. A MongoDB, Kafka or Redis
  // import fails these.
  upsertUsers: 600 * KiB, // 508 KiB
  enqueueEntries: 600 * KiB, // 513 KiB
  saveEntries: 625 * KiB, // 522 KiB
  retryScore: 600 * KiB, // 510 KiB
  enqueueMarketSelections: 625 * KiB, // 543 KiB
  saveSelections: 650 * KiB, // 552 KiB
  refreshSelections: 625 * KiB, // 540 KiB
  markAssignedCodes: 600 * KiB, // 509 KiB
  processData: 625 * KiB, // 534 KiB
};
