/**
 * Size budget of each worker's minified bundle (`index.js` in its ZIP), in bytes. The build
 * fails when a worker's bundle is larger, so a heavy import into a light worker is caught in
 * review rather than as a slower cold start.
 *
 * Set from measurement (the largest of qa/dev/preprod/prod, esbuild 0.28, 2025-11 sources) plus
 * about 15% headroom, rounded to 25 KiB. The measured sizes are in the comments; docs/build-and-ci.md
 * explains what makes a bundle heavy. Change a budget deliberately, in the same change as the
 * import that needs it; lower it when a worker gets lighter.
 */
const KiB = 1024;

export const BUNDLE_BUDGETS: Readonly<Record<string, number>> = {
  // Most workers reach src/shared/wiring.ts, which imports every client (mongodb, kafkajs,
  // ioredis, the AWS SDK clients): about 1.9 MB each.
  checkEligibility: 2300 * KiB, // 2002 KiB (also libphonenumber-js)
  upsertUsers: 2150 * KiB, // 1874 KiB
  saveEntries: 2175 * KiB, // 1888 KiB
  retryScore: 2150 * KiB, // 1876 KiB
  enqueueMarketSelections: 2200 * KiB, // 1910 KiB
  saveSelections: 2200 * KiB, // 1910 KiB
  refreshSelections: 2200 * KiB, // 1906 KiB
  markAssignedCodes: 2150 * KiB, // 1875 KiB
  sendData: 2175 * KiB, // 1881 KiB
  notificationGenerator: 2250 * KiB, // 1953 KiB
  getMarketsToNotify: 2150 * KiB, // 1867 KiB
  planSends: 2175 * KiB, // 1879 KiB
  triggerReminderEmail: 2150 * KiB, // 1875 KiB
  // Light workers: DynamoDB / SQS / SNS clients only. A MongoDB, Kafka or Redis import fails these.
  enqueueEntries: 725 * KiB, // 628 KiB
  processData: 750 * KiB, // 648 KiB
};
