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
  /**
   * The client certificate. `fresh` is set after the broker refused the one in use (a TLS or
   * authentication error): the secret must then be read again, past any cache, since it was
   * probably rotated.
   */
  loadCertificate: (options?: { fresh?: boolean }) => Promise<KafkaCertificate>;
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

/** Node's TLS error codes (handshake alerts, certificate checks) as kafkajs passes them on. */
const TLS_ERROR_CODE = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|EPROTO$)/;

/**
 * True when `error` (or an error it wraps: kafkajs nests the cause of a send that used up its
 * retries) says the broker refused the connection's TLS handshake or authentication, which is
 * what a rotated (or expired, or revoked) client certificate looks like.
 */
export function isCertificateRefused(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = error as Record<string, unknown> | undefined; e && typeof e === 'object' && !seen.has(e); ) {
    seen.add(e);
    if (e.name === 'KafkaJSSASLAuthenticationError' || e.type === 'SASL_AUTHENTICATION_FAILED') {
      return true;
    }
    if (typeof e.code === 'string' && TLS_ERROR_CODE.test(e.code)) {
      return true;
    }
    if (typeof e.message === 'string' && /\b(ssl|tls)\b.*\balert\b|certificate/i.test(e.message)) {
      return true;
    }
    e = (e.cause ?? e.originalError) as Record<string, unknown> | undefined;
  }
  return false;
}

/**
 * A Kafka publisher created once per execution environment: the producer connects on first
 * use (acks all, gzip) and is dropped after any error, so the next send reconnects (e.g. after
 * a broker restart). When the broker refuses the certificate (TLS or authentication error), the
 * `kafka-cert` secret is read again at once, past its cache, and the send is tried once more
 * with a producer on the fresh certificate: a rotation then costs one failed handshake, not an
 * hour of failed sends until the cached certificate expires.
 * Topics are never created by a send (`allowAutoTopicCreation: false`): a misspelt topic fails.
 */
export function createKafkaPublisher(options: KafkaPublisherOptions) {
  let producer: Promise<Producer> | undefined;
  const brokers = options.brokers
    .flatMap((b) => b.split(','))
    .map((b) => b.trim())
    .filter(Boolean);

  async function connect(fresh = false): Promise<Producer> {
    const certificate = options.ssl ? await options.loadCertificate({ fresh }) : undefined;
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
      // Topics are created by the Kafka operators; a send to a misspelt topic must fail, not create it.
      allowAutoTopicCreation: false,
      idempotent: false,
      retry: { retries: options.retries ?? 2 },
    });
    await p.connect();
    return p;
  }

  /** Drops `failed` (unless a concurrent send already replaced it), so the next send reconnects. */
  async function drop(failed: Promise<Producer>, reason: unknown): Promise<void> {
    if (producer === failed) {
      producer = undefined;
    }
    options.log.warn('kafka producer dropped; next send reconnects', { error: formatError(reason) });
    await failed.then((p) => p.disconnect()).catch(() => undefined);
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
        const publish = async (via: Promise<Producer>) => {
          try {
            await (await via).send({ topic, messages, acks: -1, compression: CompressionTypes.GZIP });
          } catch (error) {
            await drop(via, error);
            throw error;
          }
        };
        try {
          await publish((producer ??= connect()));
        } catch (error) {
          if (!options.ssl || !isCertificateRefused(error)) {
            throw error;
          }
          options.log.warn('kafka refused the client certificate; reading kafka-cert again and reconnecting', {
            error: formatError(error),
          });
          await publish((producer = connect(true)));
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
