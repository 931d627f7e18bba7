/**
 * JSON schemas of the five Kafka record types (DOMAIN.md 5.3, DECISIONS.md [20]) and the
 * TypeScript types derived from them, so formatters (processData) and validation (sendData)
 * share one definition and cannot drift.
 *
 * additionalProperties: every object whose fields the spec lists is closed (`false`), so a
 * misspelt or unexpected field (say, a fan's e-mail at the top of a registration) is caught
 * before it reaches Kafka. Objects the spec leaves open (`image { … }`, `locales [ … ]`,
 * `preferences[].additional`, market `date { … }` / `event { … }` / `event.venue`,
 * `phonescore.location { … }` / `risk { … }`) accept any further field.
 *
 * Optional fields are also nullable ("all optional/nullable unless marked required"); required
 * ids are non-empty strings.
 */
import type { FromSchema } from 'json-schema-to-ts';

/** The five record types, in their canonical (message attribute, config key) spelling. */
export const DATA_TYPES = ['campaign', 'market', 'eventMapping', 'registeredMarket', 'registration'] as const;
export type DataType = (typeof DATA_TYPES)[number];

const id = { type: 'string', minLength: 1 } as const;
const str = { type: ['string', 'null'] } as const;
const num = { type: ['number', 'null'] } as const;
const bool = { type: ['boolean', 'null'] } as const;
const strOrNum = { type: ['string', 'number', 'null'] } as const;
const strings = { type: ['array', 'null'], items: { type: 'string' } } as const;
/** An object the spec leaves open: any fields. */
const openObject = { type: ['object', 'null'] } as const;

/** A nullable object with exactly the listed (optional) fields. */
function closed<const P extends Record<string, unknown>>(properties: P) {
  return { type: ['object', 'null'], additionalProperties: false, properties } as const;
}

/** A nullable object with the listed (optional) fields and any others. */
function open<const P extends Record<string, unknown>>(properties: P) {
  return { type: ['object', 'null'], additionalProperties: true, properties } as const;
}

/** `dedupe` (required on every record): the consumers' de-duplication pair (DECISIONS [18]). */
export const dedupeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'timestamp'],
  properties: {
    /** sha256 (hex) of the type and the canonical JSON of the source data. */
    id: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    /** The source's `date.updated` (ISO), or the time processData formatted the record. */
    timestamp: { type: 'string', format: 'date-time' },
  },
} as const;

export const campaignSchema = {
  $id: 'campaign',
  type: 'object',
  additionalProperties: false,
  required: ['campaignId', 'dedupe'],
  properties: {
    campaignId: id,
    name: str,
    categoryId: strOrNum,
    type: str,
    subType: str,
    identifier: str,
    status: str,
    referenceTimezone: str,
    domain: closed({ site: str }),
    tour: closed({ name: str }),
    date: closed({
      created: str,
      updated: str,
      open: str,
      close: str,
      presaleWindowStart: str,
      presaleWindowEnd: str,
    }),
    artist: closed({ id: str, name: str, discoveryId: str, fanclubName: str }),
    preferences: {
      type: ['array', 'null'],
      items: {
        type: 'object',
        additionalProperties: false,
        properties: { id: str, type: str, is_optional: bool, additional: openObject },
      },
    },
    options: closed({
      useGenericBranding: bool,
      showAccessCode: bool,
      automatedReminders: bool,
      waitingRoomDuration: num,
      isLNAA: bool,
    }),
    locales: { type: ['array', 'null'], items: { type: ['object', 'string'] } },
    image: openObject,
    isDeleted: bool,
    dedupe: dedupeSchema,
  },
} as const;

export const marketSchema = {
  $id: 'market',
  type: 'object',
  additionalProperties: false,
  required: ['campaignId', 'marketId', 'dedupe'],
  properties: {
    campaignId: id,
    marketId: id,
    city: str,
    state: str,
    timezone: str,
    name: str,
    point: closed({ coordinates: closed({ latitude: num, longitude: num }) }),
    date: open({ created: str, updated: str }),
    event: open({ ids: strings, venue: openObject }),
    isAddedShow: bool,
    isDeleted: bool,
    dedupe: dedupeSchema,
  },
} as const;

export const eventMappingSchema = {
  $id: 'eventMapping',
  type: 'object',
  additionalProperties: false,
  required: ['campaignId', 'marketId', 'eventIds', 'dedupe'],
  properties: {
    campaignId: id,
    marketId: id,
    eventIds: { type: 'array', items: { type: 'string', minLength: 1 } },
    isDeleted: bool,
    dedupe: dedupeSchema,
  },
} as const;

export const registeredMarketSchema = {
  $id: 'registeredMarket',
  type: 'object',
  additionalProperties: false,
  required: ['campaignId', 'globalUserId', 'marketId', 'rank', 'dedupe'],
  properties: {
    campaignId: id,
    globalUserId: id,
    marketId: id,
    /** 1-based position of the market in the fan's `fields.markets`. */
    rank: { type: 'integer', minimum: 1 },
    isDeleted: bool,
    dedupe: dedupeSchema,
  },
} as const;

export const registrationSchema = {
  $id: 'registration',
  type: 'object',
  additionalProperties: false,
  required: ['campaignId', 'globalUserId', 'dedupe'],
  properties: {
    campaignId: id,
    globalUserId: id,
    system: closed({ id: str, databaseId: str, memberId: str }),
    /** The fan's form fields as a JSON string (canonical: keys sorted). */
    fields: str,
    score: closed({ account: num, registration: num, final: num, tags: str }),
    optIn: closed({ artistEmail: bool, artistSMS: bool }),
    date: closed({ created: str, updated: str, fanModified: str }),
    ip: closed({
      address: str,
      city: str,
      country: str,
      latitude: str,
      longitude: str,
      postalCode: str,
      region: str,
    }),
    nudetect: closed({ sessionId: str, statusCode: strOrNum, score: num, scoreBand: strOrNum }),
    phonescore: closed({ phoneType: str, carrier: str, location: openObject, risk: openObject }),
    os: closed({ type: str, version: str }),
    browser: closed({ type: str, version: str }),
    isDeleted: bool,
    dedupe: dedupeSchema,
  },
} as const;

export type Dedupe = FromSchema<typeof dedupeSchema>;
export type CampaignRecord = FromSchema<typeof campaignSchema>;
export type MarketRecord = FromSchema<typeof marketSchema>;
export type EventMappingRecord = FromSchema<typeof eventMappingSchema>;
export type RegisteredMarketRecord = FromSchema<typeof registeredMarketSchema>;
export type RegistrationRecord = FromSchema<typeof registrationSchema>;

/** Record type → the shape of its Kafka value. */
export interface DataRecordByType {
  campaign: CampaignRecord;
  market: MarketRecord;
  eventMapping: EventMappingRecord;
  registeredMarket: RegisteredMarketRecord;
  registration: RegistrationRecord;
}

export type DataRecord = DataRecordByType[DataType];

/** A record together with its type (what processData publishes and sendData receives). */
export type TypedDataRecord = { [T in DataType]: { type: T; record: DataRecordByType[T] } }[DataType];

/** The JSON schema of each record type. */
export const DATA_SCHEMAS = {
  campaign: campaignSchema,
  market: marketSchema,
  eventMapping: eventMappingSchema,
  registeredMarket: registeredMarketSchema,
  registration: registrationSchema,
} as const satisfies Record<DataType, object>;
