/**
 * A TLS boundary in front of the Kafka mock: a MOCK for failure injection, not TLS.
 *
 * librdkafka's mock cluster speaks plaintext only, so a certificate rotation cannot be shown
 * against it with real TLS (a TLS proxy would not help either: the mock advertises its own
 * plaintext address in its metadata, and clients connect there). Instead the local runtime's
 * execution environments get `tls.connect` replaced for the mock broker's addresses only:
 *
 * - a client certificate equal to the one the boundary trusts gets a plain TCP connection to the
 *   broker, reported as a completed handshake (`secureConnect`);
 * - any other certificate fails the way Node reports a broker's `bad_certificate` TLS alert
 *   (code `ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE`), which kafkajs turns into the same
 *   KafkaJSConnectionError a real broker causes;
 * - when the trusted certificate changes, open connections made with another one are closed, as
 *   a broker that reloads its trust on a rotation drops them.
 *
 * The server side of TLS (the broker's certificate, `ca`, `rejectUnauthorized`) is not emulated.
 * The runtime trusts the certificate in the `kafka-cert` secret and follows every change of it,
 * so "the secret's value changes" is the rotation and the old certificate stops working at once.
 */
import { createHash } from 'node:crypto';

/** Shared with worker threads: [0, 4) a generation counter (Int32), [4, 36) SHA-256 of the trusted certificate PEM. */
const BUFFER_BYTES = 36;

export interface KafkaTlsWorkerData {
  buffer: SharedArrayBuffer;
  /** `host:port` of each broker the boundary stands in front of. */
  brokers: string[];
}

export class KafkaTlsBoundary {
  readonly buffer = new SharedArrayBuffer(BUFFER_BYTES);
  private readonly generation = new Int32Array(this.buffer, 0, 1);
  private readonly trusted = new Uint8Array(this.buffer, 4, 32);

  constructor(readonly brokers: string[]) {}

  /** Trusts exactly `certPem` from now on; connections made with another certificate are closed. */
  trust(certPem: string): void {
    this.trusted.set(createHash('sha256').update(certPem).digest());
    Atomics.add(this.generation, 0, 1);
  }

  workerData(): KafkaTlsWorkerData {
    return { buffer: this.buffer, brokers: this.brokers };
  }
}

/**
 * Source of the code a worker thread runs first (after the clock patch) when
 * `workerData.kafkaTls` is set: replaces `tls.connect` for the broker addresses as described above.
 */
export const KAFKA_TLS_PATCH = `
(() => {
  const kafkaTls = require('node:worker_threads').workerData.kafkaTls;
  if (!kafkaTls) return;
  const tls = require('node:tls');
  const net = require('node:net');
  const { createHash } = require('node:crypto');
  const generation = new Int32Array(kafkaTls.buffer, 0, 1);
  const trusted = new Uint8Array(kafkaTls.buffer, 4, 32);
  const brokers = new Set(kafkaTls.brokers);
  const open = new Set();
  const fingerprint = (pem) => createHash('sha256').update(String(pem || '')).digest();
  const isTrusted = (fp) => Buffer.compare(fp, Buffer.from(trusted)) === 0;
  const realConnect = tls.connect;
  tls.connect = function (...args) {
    const options = args.find((a) => a && typeof a === 'object') || {};
    const callback = args.find((a) => typeof a === 'function');
    if (!brokers.has(options.host + ':' + options.port)) return realConnect.apply(this, args);
    const fp = fingerprint(options.cert);
    const socket = net.connect({ host: options.host, port: options.port });
    socket.once('connect', () => {
      if (!isTrusted(fp)) {
        // Mock of the broker refusing the client certificate: Node's error for a bad_certificate alert.
        const error = new Error('C0B7:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:ssl/record/rec_layer_s3.c:1605:SSL alert number 42');
        Object.assign(error, { code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', library: 'SSL routines', reason: 'sslv3 alert bad certificate' });
        socket.destroy(error);
        return;
      }
      const connection = { socket, fp };
      open.add(connection);
      socket.once('close', () => open.delete(connection));
      if (callback) callback();
      socket.emit('secureConnect');
    });
    return socket;
  };
  let seen = Atomics.load(generation, 0);
  setInterval(() => {
    const now = Atomics.load(generation, 0);
    if (now === seen) return;
    seen = now;
    // As the broker closing them: the client reads the end of the stream, then the socket closes.
    for (const c of open) if (!isTrusted(c.fp)) { c.socket.push(null); c.socket.end(); }
  }, 50).unref();
})();
`;
