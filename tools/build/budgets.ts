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

export const BUNDLE_BUDGETS: Readonly<Record<string, number>> = {
  // MongoDB driver (+ ioredis and libphonenumber-js for checkEligibility): about 1.3-1.6 MB.
  checkEligibility: 1875 * KiB, // 1616 KiB
  notificationGenerator: 1650 * KiB, // 1424 KiB
  getMarketsToNotify: 1550 * KiB, // 1338 KiB
  planSends: 1575 * KiB, // 1351 KiB
  triggerReminderEmail: 1550 * KiB, // 1347 KiB
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
