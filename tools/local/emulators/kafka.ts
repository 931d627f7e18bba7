/**
 * A Kafka broker from librdkafka's mock cluster, hosted by Debian `kcat`
 * (`kcat -b x:1 -C -t keepalive -X test.mock.num.brokers=1 -q`: the consumer keeps the
 * process, and with it the cluster, alive).
 *
 * Quirks of the mock cluster (librdkafka 2.0.2) seen through kafkajs 2.2.4:
 * - Topics are auto-created on first produce or metadata request, with 4 partitions.
 * - The idempotent producer (`idempotent: true`) and `admin.createTopics` fail with
 *   KafkaJSBrokerNotFound "Broker 0 not found in the cached metadata": the mock reports a
 *   controller/coordinator id that is not in its broker list. Plain producers with acks -1
 *   and gzip compression work.
 * - A consumer group's first join takes about 3 s (the mock's initial rebalance delay).
 * - Produce responses carry logAppendTime 1234 rather than -1; harmless.
 * - Plaintext only: no TLS, no SASL.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { spawnOwned, waitUntilReady, type StartOptions } from './processes';

export interface KafkaMock {
  /** e.g. ['127.0.0.1:41234'] */
  brokers: string[];
  /**
   * Freezes the broker process (SIGSTOP): it stops answering, as an unreachable broker would.
   * Resolves once the kernel reports the process stopped (Linux; elsewhere right after the
   * signal). Present only when this process started the broker (not with `KAFKA_BROKERS`).
   */
  pause?: () => Promise<void>;
  /** Lets a paused broker answer again (SIGCONT); resolves once it runs again. */
  resume?: () => Promise<void>;
  stop(): Promise<void>;
}

export interface ConsumedMessage {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  partition: number;
}

const BROKER_LINE = /Mock cluster enabled.*replaced with (\S+:\d+)/;

/**
 * Starts a one-broker mock Kafka cluster in kcat, or uses `KAFKA_BROKERS` (comma separated)
 * when set (then stop() does nothing). Startup takes about 100 ms.
 */
export async function startKafkaMock(options: StartOptions = {}): Promise<KafkaMock> {
  const existing = process.env.KAFKA_BROKERS;
  if (existing && options.useExisting !== false) {
    return { brokers: existing.split(',').map((broker) => broker.trim()).filter(Boolean), stop: async () => undefined };
  }
  const owned = spawnOwned('kcat', ['-b', 'x:1', '-C', '-t', 'keepalive', '-X', 'test.mock.num.brokers=1', '-q']);
  let broker = '';
  await waitUntilReady({
    component: 'Kafka mock cluster (kcat)',
    owned,
    installHint: 'apt-get install kcat (librdkafka with mock cluster support, >= 1.4)',
    timeoutMs: options.startupTimeoutMs ?? 20000,
    intervalMs: 20,
    probe: async () => {
      broker = BROKER_LINE.exec(owned.outputTail())?.[1] ?? '';
      return broker !== '' && (await answersApiVersions(broker));
    },
  });
  // A signal is delivered asynchronously: wait until /proc shows the state it asked for, so a
  // request sent right after pause() cannot still be answered.
  const signal = (name: NodeJS.Signals, stopped: boolean) => async () => {
    owned.child.kill(name);
    for (let waited = 0; waited < 2000; waited += 10) {
      const state = processState(owned.child.pid);
      if (state === undefined || /[Tt]/.test(state) === stopped) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`the Kafka mock (pid ${owned.child.pid}) did not ${stopped ? 'stop' : 'continue'} within 2 s of ${name}`);
  };
  return {
    brokers: [broker],
    pause: signal('SIGSTOP', true),
    resume: signal('SIGCONT', false),
    stop: async () => {
      // A stopped process would not act on SIGTERM until continued.
      owned.child.kill('SIGCONT');
      await owned.stop();
    },
  };
}

/** The state letter of a Linux process (R, S, T, …) from /proc, or undefined where there is none. */
function processState(pid: number | undefined): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/**
 * Sends a Kafka ApiVersions (v0) request and checks for an error-free answer. Raw, because a
 * kafkajs client leaves timers behind that would hold jest's parent process open.
 */
export function answersApiVersions(broker: string): Promise<boolean> {
  const [host, port] = [broker.slice(0, broker.lastIndexOf(':')), Number(broker.slice(broker.lastIndexOf(':') + 1))];
  const clientId = Buffer.from('harness');
  // size, api_key 18 (ApiVersions), api_version 0, correlation_id 1, client_id (int16 length + bytes)
  const request = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length);
  request.writeInt32BE(request.length - 4, 0);
  request.writeInt16BE(18, 4);
  request.writeInt16BE(0, 6);
  request.writeInt32BE(1, 8);
  request.writeInt16BE(clientId.length, 12);
  clientId.copy(request, 14);
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    socket.setTimeout(2000, () => socket.destroy(new Error('ApiVersions timed out')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write(request));
    socket.once('data', (data) => {
      socket.destroy();
      // size(4) correlation_id(4) error_code(2)
      resolve(data.length >= 10 && data.readInt32BE(4) === 1 && data.readInt16BE(8) === 0);
    });
  });
}

/** A quiet kafkajs client for the local brokers (plaintext, short retries). */
export function kafkaClient(brokers: string[], clientId = 'reg-workers-test'): Kafka {
  return new Kafka({ brokers, clientId, logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100 } });
}

/**
 * Reads `topic` from the beginning with a fresh consumer group until `expected` messages have
 * arrived or `timeoutMs` passes (default 15 s), and returns what arrived, in arrival order.
 * Without `expected` it reads for the whole `timeoutMs`.
 */
export async function consumeAll(
  brokers: string[],
  topic: string,
  options: { expected?: number; timeoutMs?: number } = {},
): Promise<ConsumedMessage[]> {
  const { expected, timeoutMs = 15000 } = options;
  const consumer = kafkaClient(brokers).consumer({ groupId: `consume-all-${topic}-${Date.now()}-${Math.random()}` });
  const messages: ConsumedMessage[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      consumer
        .run({
          eachMessage: async ({ message, partition }) => {
            messages.push({
              key: message.key?.toString('utf8') ?? null,
              value: message.value?.toString('utf8') ?? null,
              headers: headersToStrings(message.headers),
              partition,
            });
            if (expected !== undefined && messages.length >= expected) {
              done();
            }
          },
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) {
      out[name] = (Array.isArray(value) ? value : [value]).map((part) => part.toString()).join(',');
    }
  }
  return out;
}

/**
 * Every record of a topic from the beginning, as `kcat` reads them (partition after partition,
 * so the order across partitions is not the order of production), with its headers. Rejects
 * when kcat fails, for example on a topic nobody wrote to yet.
 */
export function readTopic(
  broker: string,
  topic: string,
): Promise<{ key: string; value: string; headers: Record<string, string> }[]> {
  return new Promise((resolve, reject) => {
    execFile(
      'kcat',
      ['-C', '-b', broker, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k\t%h\t%s\n', '-X', 'fetch.wait.max.ms=5'],
      { timeout: 15_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => {
        if (error) {
          reject(error);
          return;
        }
        resolve(
          stdout
            .split('\n')
            .filter(Boolean)
            .map((line) => {
              const [key, headers] = line.split('\t', 2);
              // kcat writes headers as name=value pairs separated by commas (empty when there are none).
              const pairs = headers.split(',').filter((h) => h.includes('='));
              return {
                key,
                value: line.slice(key.length + headers.length + 2),
                headers: Object.fromEntries(pairs.map((h) => [h.slice(0, h.indexOf('=')), h.slice(h.indexOf('=') + 1)])),
              };
            }),
        );
      },
    );
  });
}
