/**
 * What the phases share: the runtime (its wiring model is the one thing they share with it), the
 * config, the clock and the service fakes, a client of the demand table and the MongoDB
 * collections, and the scenario's own helpers: progress lines, waiting for the system to settle,
 * sending to a queue, recording an invariant. `openContext` connects the clients; `close`
 * disconnects them. The invariants recorded and the traces to follow end up in the result.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Collection } from 'mongodb';
import { MongoClient } from 'mongodb';
import type { Config } from '../../../src/shared/config';
import { loadConfig } from '../../../src/shared/config/load';
import { LOCAL_AWS } from '../emulators/dynamodb';
import type { LocalRuntime } from '../runtime';
import type { Invariant, ScenarioOptions, ScenarioResult } from '../scenario';
import { random } from './random';

export interface ScenarioContext {
  rt: LocalRuntime;
  options: ScenarioOptions;
  config: Config;
  clock: LocalRuntime['clock'];
  fakes: LocalRuntime['components']['fakes'];
  /** A line of progress. */
  log: (line: string) => void;
  /** The current status while waiting (a no-op unless the options give one). */
  status: (line: string) => void;
  /** A time of the clock (now unless given) as an ISO string. */
  iso: (t?: number) => string;
  /** The run's seeded random numbers. */
  rnd: () => number;
  ddb: DynamoDBDocumentClient;
  campaigns: Collection;
  markets: Collection;
  scoring: Collection;
  /** Records may reach a service more than once (faults, or `retried`): the invariants allow repeats. */
  repeatsAllowed: boolean;
  /** The invariants checked so far, in order. */
  invariants: Invariant[];
  traces: ScenarioResult['traces'];
  /** Records an invariant. */
  check(name: string, ok: boolean, detail: string): void;
  /** Waits until nothing runs and no consumed queue holds messages, showing what is still going on. */
  settle(what: string): Promise<void>;
  /** Sends `bodies` (as JSON) to the queue of `nameTag`, ten at a time. */
  sendToQueue(nameTag: string, bodies: unknown[]): Promise<void>;
  /** Closes the MongoDB connection and the DynamoDB client. */
  close(): Promise<void>;
}

/** Connects the scenario's clients to a started runtime. */
export async function openContext(rt: LocalRuntime, options: ScenarioOptions): Promise<ScenarioContext> {
  const status = options.status ?? (() => undefined);
  const rnd = random(options.seed ?? 20260213);
  const config: Config = loadConfig('local', { environment: rt.exports });
  const clock = rt.clock;
  const invariants: Invariant[] = [];
  const ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...LOCAL_AWS, endpoint: rt.components.dynamoDbEndpoint }),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );
  const mongo = await new MongoClient(rt.components.mongo.uri).connect();
  const campaignsDb = mongo.db(config.mongo.campaignsDb);
  return {
    rt,
    options,
    config,
    clock,
    fakes: rt.components.fakes,
    log: options.log,
    status,
    iso: (t = clock.now()) => new Date(t).toISOString(),
    rnd,
    ddb,
    campaigns: campaignsDb.collection(config.mongo.campaignsCollection),
    markets: campaignsDb.collection(config.mongo.marketsCollection),
    scoring: mongo.db(config.mongo.entriesDb).collection(config.mongo.scoringCollection),
    repeatsAllowed: options.faults || options.retried === true,
    invariants,
    traces: {},
    check: (name, ok, detail) => {
      invariants.push({ name, ok, detail });
    },
    settle: (what) => settle(rt, options, status, what),
    sendToQueue: (nameTag, bodies) => sendToQueue(rt, nameTag, bodies),
    close: async () => {
      await mongo.close();
      ddb.destroy();
    },
  };
}

/**
 * Waits until nothing runs and no consumed queue holds messages. Every second the status line
 * says what it is waiting for (rt.waitingFor: invocations, executions, queues, for example
 * messages waiting out a visibility timeout after a failed attempt, and stream readers).
 */
async function settle(
  rt: LocalRuntime,
  options: ScenarioOptions,
  status: (line: string) => void,
  what: string,
): Promise<void> {
  let waitingFor: string[] = [];
  const timer = setInterval(() => {
    const total = rt.model.functions.reduce((n, f) => n + rt.host.stats(f.name).invocations, 0);
    status(
      `  … ${what} (${total} invocations so far)${waitingFor.length ? `: waiting for ${waitingFor.join('; ')}` : ''}`,
    );
    // Read for the next line: the queues' counts take a moment.
    rt.waitingFor().then(
      (reasons) => (waitingFor = reasons),
      () => undefined,
    );
  }, 1000);
  try {
    await rt.waitForIdle({ timeoutMs: options.settleTimeoutMs ?? 300_000, quietMs: 2000 });
  } finally {
    clearInterval(timer);
    status('');
  }
}

async function sendToQueue(rt: LocalRuntime, nameTag: string, bodies: unknown[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    await rt.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: rt.queue(nameTag).url,
        Entries: bodies.slice(i, i + 10).map((b, j) => ({ Id: String(j), MessageBody: JSON.stringify(b) })),
      }),
    );
  }
}
