/**
 * Shared setup of the notification suites: the in-process MongoDB wire server (campaigns,
 * markets, scoring), the service fakes (Entry and Exports Service, checking the worker JWT),
 * a demand table in DynamoDB Local, and the environment the workers' config reads.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Collection, Document } from 'mongodb';
import { MongoClient, ObjectId } from 'mongodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient, resetAwsClients } from '../../../src/shared/aws/clients';
import type { DemandTable, Item } from '../../../src/shared/aws/demandTable';
import { createDemandTable as demandTableRepository } from '../../../src/shared/aws/demandTable';
import { resetConfigCache } from '../../../src/shared/config';
import { closeSharedMongoClient } from '../../../src/shared/mongo/client';
import { resetWiring } from '../../../src/shared/wiring/memo';
import { createMarketStore } from '../../../src/workers/notification/shared/store';
import type { MarketStore } from '../../../src/workers/notification/shared/store';
import { createDemandTable } from '../../../tools/local/emulators/dynamodb';
import { uniqueName } from '../../../tools/local/emulators/names';
import { requireEnv, setEnv } from '../../harness/env';
import type { ServiceFakes } from '../../../tools/local/emulators/fakes';
import { startServiceFakes } from '../../../tools/local/emulators/fakes';
import type { LocalMongo } from '../../../tools/local/emulators/mongo';
import { startMongoServer } from '../../../tools/local/emulators/mongo';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export interface NotificationEnv {
  mongo: LocalMongo;
  fakes: ServiceFakes;
  tableName: string;
  table: DemandTable;
  campaigns: Collection<Document>;
  markets: Collection<Document>;
  scoring: Collection<Document>;
  store: MarketStore;
  /** Every item of the demand table. */
  items(): Promise<Item[]>;
}

/**
 * Starts the components for one test file and points the workers' configuration at them;
 * MongoDB and the fakes are emptied before each test.
 */
export function useNotificationEnv(prefix: string): () => NotificationEnv {
  let env: NotificationEnv | undefined;
  let client: MongoClient | undefined;
  let restoreEnv: () => void = () => undefined;

  beforeAll(async () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    // Failure injection needs a server this file controls, so never an outside MONGODB_URI.
    const mongo = await startMongoServer({ useExisting: false });
    const fakes = await startServiceFakes({ publicKey: keys.publicKey });
    const tableName = uniqueName(`${prefix}-demand`);
    await createDemandTable(requireEnv('DYNAMODB_ENDPOINT'), tableName);
    restoreEnv = setEnv({
      LOG_LEVEL: 'error',
      CONFIG_ENV: 'local',
      MONGODB_URI: mongo.uri,
      ENTRY_SERVICE_URL: fakes.urls.entries,
      EXPORTS_SERVICE_URL: fakes.urls.exports,
      CAMPAIGN_SERVICE_URL: fakes.urls.campaigns,
      DEMAND_TABLE_NAME: tableName,
      SERVICE_JWT_PRIVATE_KEY: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    resetConfigCache();
    resetWiring();
    resetAwsClients();
    client = await new MongoClient(mongo.uri).connect();
    const campaignsDb = client.db('campaigns');
    const collections = {
      campaigns: campaignsDb.collection('campaigns'),
      markets: campaignsDb.collection('markets'),
      scoring: client.db('entries').collection('scoring'),
    };
    const doc = dynamoDocumentClient();
    env = {
      mongo,
      fakes,
      tableName,
      table: demandTableRepository(doc, tableName),
      ...collections,
      store: createMarketStore(collections),
      items: async () => ((await doc.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }))).Items ?? []) as Item[],
    };
  });

  beforeEach(() => {
    env?.mongo.server?.reset();
    env?.fakes.reset();
  });

  afterAll(async () => {
    await closeSharedMongoClient();
    await client?.close();
    await env?.mongo.stop();
    await env?.fakes.stop();
    restoreEnv();
    resetConfigCache();
    resetWiring();
    resetAwsClients();
  });

  return () => {
    if (!env) {
      throw new Error('notification test environment did not start');
    }
    return env;
  };
}

/** A new id in Campaign Service's form (24 hex characters). */
export const newId = (): string => new ObjectId().toHexString();

/** A campaign document as Campaign Service stores it (ObjectId `_id`). */
export function campaignDoc(id: string, fields: Document = {}): Document {
  return {
    _id: new ObjectId(id),
    type: 'registration',
    status: 'CLOSED',
    artist: { name: 'The Band' },
    tour: { name: 'World Tour' },
    locales: [
      { id: 'en-US', is_default: true },
      { id: 'es-MX', is_default: false },
    ],
    options: { automatedReminders: true },
    date: {},
    ...fields,
  };
}

/** A market document with its presale at `presale`. */
export function marketDoc(id: string, campaignId: string, presale: Date, fields: Document = {}): Document {
  return {
    _id: new ObjectId(id),
    campaign_id: campaignId,
    name: 'New York, NY',
    timezone: 'America/New_York',
    date: {},
    event: {
      name: 'World Tour – Madison Square Garden',
      date: new Date(presale.getTime() + 7 * 24 * HOUR).toISOString(),
      presaleDateTime: presale.toISOString(),
      ids: [`ev-${id.slice(-6)}`],
      link: `https://tm.example/e/${id.slice(-6)}`,
      ticketer: 'TM',
    },
    ...fields,
  };
}

export interface Fan {
  n: number;
  phone?: unknown;
  verdict?: boolean;
  locale?: string;
  /** Markets the fan holds a code for. */
  codesFor?: string[];
  marketIds?: string[];
  email?: string;
}

/** A scoring record as Entry Service stores it (`campaign_id`, DOMAIN 2.4). */
export function scoringDoc(campaignId: string, fan: Fan): Document {
  const codesFor = fan.codesFor ?? [];
  return {
    campaign_id: campaignId,
    userId: fan.n.toString(16).padStart(24, 'a'),
    globalUserId: `g-${campaignId.slice(-4)}-${String(fan.n).padStart(5, '0')}`,
    verdict: fan.verdict ?? true,
    phone: fan.phone ?? `+1555${String(fan.n).padStart(7, '0')}`,
    email: fan.email ?? `fan${fan.n}@example.com`,
    ...(fan.locale ? { locale: fan.locale } : {}),
    marketIds: fan.marketIds ?? codesFor,
    codes: codesFor.map((marketId) => ({ id: `CODE-${marketId.slice(-4)}-${fan.n}`, marketId })),
  };
}

/** The same fans in Entry Service's fake, so its eligibility counts agree with MongoDB. */
export function seedEntryService(fakes: ServiceFakes, docs: Document[]): void {
  for (const campaignId of new Set(docs.map((d) => String(d.campaign_id)))) {
    fakes.entries.seedScoring(
      campaignId,
      docs
        .filter((d) => d.campaign_id === campaignId)
        .map((d) => ({
          userId: d.userId,
          globalUserId: d.globalUserId,
          verdict: d.verdict,
          phone: typeof d.phone === 'object' ? d.phone.number : d.phone,
          marketIds: d.marketIds,
          codes: d.codes,
        })),
    );
  }
}
