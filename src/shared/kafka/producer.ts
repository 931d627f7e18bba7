import type { Message, Producer } from 'kafkajs';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import type { Logger } from '../runtime/logger';
import { formatError } from '../runtime/logger';
import { withSpan } from '../runtime/tracing';

/** Client certificate bundle as stored in the `kafka-cert` secret (PEM strings). */
export interface KafkaCertificate {
  cert: string;
  key: string;
  ca?: string;
}

export interface KafkaPublisherOptions {
  /** Broker addresses; an entry may hold several, comma separated. */
  brokers: string[];
  clientId: string;
  /** TLS with a client certificate (required outside `local`). */
  ssl: boolean;
  loadCertificate: () => Promise<KafkaCertificate>;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  log: Logger;
  /** kafkajs internal retries per send before the error reaches the caller. */
  retries?: number;
}

/** Checks a parsed `kafka-cert` secret; throws naming what is missing. */
export function parseCertificate(value: unknown): KafkaCertificate {
  const v = value as Partial<KafkaCertificate> | null;
  if (!v || typeof v.cert !== 'string' || typeof v.key !== 'string') {
    throw new Error('kafka-cert secret must be JSON { cert, key, ca? } with PEM strings');
  }
  if (!v.cert.includes('BEGIN CERTIFICATE') || !v.key.includes('PRIVATE KEY')) {
    throw new Error('kafka-cert secret: cert or key is not PEM');
  }
  return { cert: v.cert, key: v.key, ...(typeof v.ca === 'string' && v.ca ? { ca: v.ca } : {}) };
}

/**
 * A Kafka publisher created once per execution environment: the producer connects on first
 * use (acks all, gzip) and is dropped after any error, so the next send reconnects (e.g. after
 * a broker restart or a certificate rotation).
 */
export function createKafkaPublisher(options: KafkaPublisherOptions) {
  let producer: Promise<Producer> | undefined;
  const brokers = options.brokers
    .flatMap((b) => b.split(','))
    .map((b) => b.trim())
    .filter(Boolean);

  async function connect(): Promise<Producer> {
    const certificate = options.ssl ? await options.loadCertificate() : undefined;
    const kafka = new Kafka({
      clientId: options.clientId,
      brokers,
      ssl: certificate
        ? { cert: certificate.cert, key: certificate.key, ca: certificate.ca, rejectUnauthorized: true }
        : false,
      connectionTimeout: options.connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      retry: { retries: options.retries ?? 2, initialRetryTime: 100, maxRetryTime: 1000 },
      logLevel: logLevel.NOTHING,
    });
    const p = kafka.producer({
      allowAutoTopicCreation: true,
      idempotent: false,
      retry: { retries: options.retries ?? 2 },
    });
    await p.connect();
    return p;
  }

  async function drop(reason: unknown): Promise<void> {
    const current = producer;
    producer = undefined;
    options.log.warn('kafka producer dropped; next send reconnects', { error: formatError(reason) });
    await current?.then((p) => p.disconnect()).catch(() => undefined);
  }

  /** Sends `messages` to `topic` (acks all, gzip); throws after dropping the producer when the send fails. */
  async function send(topic: string, messages: Message[]): Promise<void> {
    if (messages.length === 0) {
      return;
    }
    await withSpan(
      'kafka send',
      { 'messaging.destination': topic, 'messaging.batch.size': messages.length },
      async () => {
        producer ??= connect();
        try {
          await (await producer).send({ topic, messages, acks: -1, compression: CompressionTypes.GZIP });
        } catch (error) {
          await drop(error);
          throw error;
        }
      },
    );
  }

  /** Disconnects the producer (local tools and tests). */
  async function disconnect(): Promise<void> {
    const current = producer;
    producer = undefined;
    await current?.then((p) => p.disconnect()).catch(() => undefined);
  }

  return { send, disconnect };
}

export type KafkaPublisher = ReturnType<typeof createKafkaPublisher>;
