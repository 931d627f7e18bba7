import type { FromSchema } from 'json-schema-to-ts';

const str = { type: 'string' } as const;
const nonEmpty = { type: 'string', minLength: 1 } as const;
const url = { type: 'string', pattern: '^(https?|redis|rediss)://' } as const;
const posInt = { type: 'integer', minimum: 1 } as const;
const nonNegInt = { type: 'integer', minimum: 0 } as const;

/** Builds a closed object schema: every listed key required, no other key allowed. */
function obj<const P extends Record<string, unknown>>(properties: P) {
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties) as (keyof P & string)[],
    properties,
  } as const;
}

const service = obj({ baseUrl: url });
const backoffSchedule = {
  type: 'array',
  minItems: 1,
  maxItems: 10,
  items: { type: 'integer', minimum: 0, maximum: 43200 },
} as const;

/**
 * Schema of the merged configuration (default + environment file). Every key is required and
 * no unknown key is allowed, so a typo in an environment file fails the build with the key's path.
 */
export const configSchema = obj({
  environment: { enum: ['default', 'dev', 'qa', 'preprod', 'prod', 'local'] },
  aws: obj({
    region: nonEmpty,
    demandTable: nonEmpty,
    queues: obj({ saveEntries: str, saveSelection: str, refreshSelection: str, verdictReporter: str }),
    topics: obj({ data: str }),
    secrets: obj({ kafkaCert: str, serviceJwtKey: str, mongoUri: str }),
    functions: obj({ getMarketsToNotify: str }),
    sqsSendBatchSize: { type: 'integer', minimum: 1, maximum: 10 },
    snsPublishBatchSize: { type: 'integer', minimum: 1, maximum: 10 },
    dynamoBatchWriteSize: { type: 'integer', minimum: 1, maximum: 25 },
    secretCacheTtlSeconds: nonNegInt,
  }),
  // Seconds per receive (ChangeMessageVisibility allows 0 to 12 hours); at most 10 receives matter.
  sqsRetry: obj({ backoffSeconds: backoffSchedule, userInfoBackoffSeconds: backoffSchedule }),
  logging: obj({
    level: { enum: ['error', 'warn', 'info', 'debug'] },
    secretKeys: { type: 'array', items: nonEmpty },
  }),
  services: obj({
    timeoutMs: posInt,
    retries: nonNegInt,
    backoffBaseMs: posInt,
    backoffMaxMs: posInt,
    jwt: obj({ issuer: nonEmpty, ttlSeconds: { type: 'integer', minimum: 120 } }),
    entries: service,
    users: service,
    campaigns: service,
    codes: service,
    exports: service,
  }),
  redis: obj({
    url,
    campaignKeyPrefix: nonEmpty,
    campaignTtlSeconds: posInt,
    connectTimeoutMs: posInt,
    commandTimeoutMs: posInt,
  }),
  mongo: obj({
    campaignsDb: nonEmpty,
    campaignsCollection: nonEmpty,
    marketsCollection: nonEmpty,
    entriesDb: nonEmpty,
    scoringCollection: nonEmpty,
    serverSelectionTimeoutMs: posInt,
  }),
  kafka: obj({
    brokers: { type: 'array', items: nonEmpty, minItems: 1 },
    clientId: nonEmpty,
    ssl: { type: 'boolean' },
    connectionTimeoutMs: posInt,
    requestTimeoutMs: posInt,
    topics: obj({
      campaign: nonEmpty,
      market: nonEmpty,
      eventMapping: nonEmpty,
      registeredMarket: nonEmpty,
      registration: nonEmpty,
    }),
  }),
  eligibility: obj({
    allowPreview: { type: 'boolean' },
    idv: obj({ issuer: nonEmpty, audience: nonEmpty, publicKey: str }),
  }),
  replication: obj({ entryServiceBatchSize: { type: 'integer', minimum: 1, maximum: 25 } }),
  selection: obj({
    maxPerInvocation: posInt,
    maxReservePerCall: { type: 'integer', minimum: 1, maximum: 20000 },
    minimumCodeReserveCount: posInt,
    pageSize: { type: 'integer', minimum: 1, maximum: 5000 },
    codeAssignmentChunkSize: { type: 'integer', minimum: 1, maximum: 1000 },
    statsType: nonEmpty,
  }),
  notifications: obj({
    smsPerSecond: { type: 'number', exclusiveMinimum: 0 },
    targetLeadMinutes: posInt,
    finishBeforePresaleMinutes: nonNegInt,
    minimumLeadMinutes: nonNegInt,
    planningWindowFromHours: nonNegInt,
    planningWindowToHours: posInt,
    roundToMinutes: posInt,
    pageSize: posInt,
    reminderExportType: nonEmpty,
    defaultLocale: nonEmpty,
    templates: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: '^[a-z]{2}(-[A-Z]{2})?$' },
      additionalProperties: nonEmpty,
    },
  }),
  schedules: obj({
    notificationSchedule: { type: 'string', pattern: '^(rate|cron)\\(.+\\)$' },
    notificationPlanning: { type: 'string', pattern: '^(rate|cron)\\(.+\\)$' },
  }),
  certs: obj({
    alertThresholdDays: posInt,
    slackWebhookUrl: str,
    vault: obj({ url, pkiRole: nonEmpty, commonName: nonEmpty, ttl: { type: 'string', pattern: '^[0-9]+[smhd]$' } }),
  }),
  invites: obj({ defaultTtlDays: posInt }),
});

/** The validated, interpolated configuration every worker receives. */
export type Config = FromSchema<typeof configSchema>;
