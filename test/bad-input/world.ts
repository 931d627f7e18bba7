/**
 * The environment the bad-input suites feed the workers' real handlers (`src/workers/.../index.ts`)
 * in: local configuration pointed at DynamoDB Local, fauxqs, the service fakes, the MongoDB wire
 * server, Redis and Kafka; the JSON log lines the handlers write to stdout; and a view of
 * everything that reached a downstream component since a mark, to prove nothing was written
 * for a rejected record and to inspect what a processed one sent on.
 */
import { generateKeyPairSync } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { resetAwsClients } from '../../src/shared/aws/clients';
import { resetConfigCache } from '../../src/shared/config';
import { closeSharedRedis } from '../../src/shared/campaigns/redis';
import { closeSharedMongoClient } from '../../src/shared/mongo/client';
import { resetWiring } from '../../src/shared/wiring/memo';
import type { ServiceFakes } from '../../tools/local/emulators/fakes';
import { startServiceFakes } from '../../tools/local/emulators/fakes';
import { uniqueName } from '../../tools/local/emulators/names';
import { requireEnv, setEnv } from '../harness/env';
import { readTopic } from '../../tools/local/emulators/kafka';
import type { LocalMongo } from '../../tools/local/emulators/mongo';
import { startMongoServer } from '../../tools/local/emulators/mongo';
import type { LocalQueue, LocalTable } from '../faults/aws';
import { localQueue, localTable, messagingClients, topicWithQueue } from '../faults/aws';

export type LogLine = { level: string; message: string; data?: Record<string, unknown>; [field: string]: unknown };

/** Kafka topics of the local configuration (configs/local.config.yml), where sendData publishes. */
export const LOCAL_KAFKA_TOPICS = ['campaigns', 'markets', 'event-mappings', 'registered-markets', 'registrations'];

export interface Downstream {
  /** Requests that change state: every non-GET request to a fake, and Code Service reservations. */
  writes: unknown[];
  /** Every request a fake received, reads included. */
  requests: unknown[];
  /** Table items created or changed. */
  items: unknown[];
  /** Messages that reached save-entries, save-selection or the data topic. */
  messages: unknown[];
  /** Records that reached the local Kafka topics (only when asked for). */
  kafka: unknown[];
}

export interface Mark {
  requests: Record<string, number>;
  items: Map<string, string>;
  messages: number;
  /** Records of the local Kafka topics at the mark (only when asked for). */
  kafka?: string[];
}

export interface BadInputWorld {
  ns: string;
  fakes: ServiceFakes;
  mongo: LocalMongo;
  db: LocalTable;
  queues: { saveEntries: LocalQueue; saveSelection: LocalQueue; dataTopicSubscriber: LocalQueue };
  /** JSON lines the handlers logged (stdout), in order. */
  logs: LogLine[];
  mark(options?: { kafka?: boolean }): Promise<Mark>;
  since(mark: Mark): Promise<Downstream>;
  stop(): Promise<void>;
}

/**
 * Starts the components, points CONFIG_ENV=local at them (before any handler runs, since
 * handlers build their clients once) and captures stdout. Call in beforeAll.
 */
export async function startBadInputWorld(prefix: string, ns = uniqueName(prefix)): Promise<BadInputWorld> {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const messaging = messagingClients();
  const [fakes, mongo, db, saveEntries, saveSelection, refreshSelection, data] = await Promise.all([
    startServiceFakes({ publicKey: keys.publicKey }),
    startMongoServer({ useExisting: false }),
    localTable(`${prefix}-table`),
    localQueue(messaging.sqs, `${prefix}-save-entries`),
    localQueue(messaging.sqs, `${prefix}-save-selection`),
    localQueue(messaging.sqs, `${prefix}-refresh-selection`),
    topicWithQueue(messaging, `${prefix}-data`),
  ]);
  const restoreEnv = setEnv({
    CONFIG_ENV: 'local',
    LOG_LEVEL: 'debug',
    DEMAND_TABLE_NAME: db.name,
    SAVE_ENTRIES_QUEUE_URL: saveEntries.url,
    SAVE_SELECTION_QUEUE_URL: saveSelection.url,
    REFRESH_SELECTION_QUEUE_URL: refreshSelection.url,
    DATA_TOPIC_ARN: data.topicArn,
    ENTRY_SERVICE_URL: fakes.urls.entries,
    USER_SERVICE_URL: fakes.urls.users,
    CAMPAIGN_SERVICE_URL: fakes.urls.campaigns,
    CODE_SERVICE_URL: fakes.urls.codes,
    EXPORTS_SERVICE_URL: fakes.urls.exports,
    SERVICE_JWT_PRIVATE_KEY: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    MONGODB_URI: mongo.uri,
  });
  resetConfigCache();
  resetWiring();
  resetAwsClients();

  const logs: LogLine[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((
    chunk: string | Uint8Array,
    ...rest: unknown[]
  ) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    let captured = false;
    for (const line of text.split('\n').filter(Boolean)) {
      try {
        logs.push(JSON.parse(line) as LogLine);
        captured = true;
      } catch {
        // not a log line of ours
      }
    }
    return captured ? true : write(chunk, ...(rest as []));
  }) as typeof process.stdout.write);

  const queues = { saveEntries, saveSelection, dataTopicSubscriber: data.queue };
  const messages: unknown[] = [];
  const drainAll = async () => {
    for (const queue of Object.values(queues)) {
      for (const { body, type } of await queue.drain()) {
        messages.push({ type, body: JSON.parse(body) as unknown });
      }
    }
  };
  const scan = async () => {
    const out = await db.client.send(new ScanCommand({ TableName: db.name }));
    return new Map((out.Items ?? []).map((item) => [`${item.PK}|${item.SK}`, JSON.stringify(item, setsAsArrays)]));
  };
  const fakeList = () =>
    Object.entries({
      entries: fakes.entries,
      users: fakes.users,
      campaigns: fakes.campaigns,
      codes: fakes.codes,
      exports: fakes.exports,
    });
  const broker = requireEnv('KAFKA_BROKERS').split(',')[0];
  /** Every record of the local topics; a topic nobody wrote to yet reads as empty. */
  const kafkaRecords = async () =>
    (await Promise.all(LOCAL_KAFKA_TOPICS.map((t) => readTopic(broker, t).catch(() => [])))).flat().map((r) => r.value);

  return {
    ns,
    fakes,
    mongo,
    db,
    queues,
    logs,
    async mark(options = {}) {
      await drainAll();
      return {
        requests: Object.fromEntries(fakeList().map(([name, f]) => [name, f.requests.length])),
        items: await scan(),
        messages: messages.length,
        kafka: options.kafka ? await kafkaRecords() : undefined,
      };
    },
    async since(mark) {
      await drainAll();
      const requests = fakeList().flatMap(([name, f]) =>
        f.requests
          .slice(mark.requests[name])
          .map((r) => ({ service: name, method: r.method, path: r.path, query: r.query, body: r.body })),
      );
      const items = [...(await scan())]
        .filter(([key, json]) => mark.items.get(key) !== json)
        .map(([, json]) => JSON.parse(json) as unknown);
      // Records not there at the mark, counted as a multiset: kcat reads partition after
      // partition, and other suites (the e2e scenario) may write the same topics meanwhile, so
      // "everything after the first N" would not be what arrived since.
      const kafka: unknown[] = [];
      if (mark.kafka) {
        const seen = new Map<string, number>();
        mark.kafka.forEach((r) => seen.set(r, (seen.get(r) ?? 0) + 1));
        for (const r of await kafkaRecords()) {
          const left = seen.get(r) ?? 0;
          if (left > 0) {
            seen.set(r, left - 1);
          } else {
            kafka.push(JSON.parse(r) as unknown);
          }
        }
      }
      return {
        writes: requests.filter((r) => r.method !== 'GET' || r.path.endsWith('/reserve')),
        requests,
        items,
        messages: messages.slice(mark.messages),
        kafka,
      };
    },
    async stop() {
      spy.mockRestore();
      await closeSharedRedis();
      await closeSharedMongoClient();
      resetAwsClients();
      restoreEnv();
      messaging.sqs.destroy();
      messaging.sns.destroy();
      db.destroy();
      await Promise.all([fakes.stop(), mongo.stop()]);
    },
  };
}

const setsAsArrays = (_key: string, value: unknown) => (value instanceof Set ? [...value].sort() : value);

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** Paths of every own key named __proto__, constructor or prototype inside a JSON-like value. */
export function forbiddenKeyPaths(value: unknown, at = '$'): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => forbiddenKeyPaths(v, `${at}[${i}]`));
  }
  if (value === null || typeof value !== 'object') {
    return [];
  }
  return Object.keys(value).flatMap((key) => [
    ...(FORBIDDEN.has(key) ? [`${at}.${key}`] : []),
    ...forbiddenKeyPaths((value as Record<string, unknown>)[key], `${at}.${key}`),
  ]);
}

const PROTOTYPE_NAMES = {
  object: Object.getOwnPropertyNames(Object.prototype).sort(),
  array: Object.getOwnPropertyNames(Array.prototype).sort(),
  function: Object.getOwnPropertyNames(Function.prototype).sort(),
};

/** Nothing reached a shared prototype: no `polluted` anywhere, the prototypes' own properties unchanged. */
export function expectNoPollution(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
  expect((Object.create(null) as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_NAMES.object);
  expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(PROTOTYPE_NAMES.array);
  expect(Object.getOwnPropertyNames(Function.prototype).sort()).toEqual(PROTOTYPE_NAMES.function);
}

/**
 * The corpus plants `SECRET-<ns>` under secret-named keys: it must reach no downstream component
 * (`after`: what the run wrote, sent and published) and no log line, whatever became of the record.
 */
export function expectNoSecret(ns: string, after: unknown, logs: readonly LogLine[]): void {
  const secret = `SECRET-${ns}`;
  expect(JSON.stringify(after)).not.toContain(secret);
  expect(logs.filter((l) => JSON.stringify(l).includes(secret))).toEqual([]);
}

/** The `record rejected` line the batch adapter logged for `id`, if any. */
export const rejectionOf = (logs: LogLine[], id: string): LogLine | undefined =>
  logs.find((l) => l.message === 'record rejected' && l.data?.id === id);
