import * as kafkajs from 'kafkajs';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSRequestTimeoutError } from 'kafkajs';
import { isCertificateRefused } from './producer';

// kafkajs exports these classes, but its type definitions leave them out or type them loosely.
const errorClass = (name: string) => (kafkajs as unknown as Record<string, new (message: string, options?: object) => Error>)[name];
const KafkaJSConnectionClosedError = errorClass('KafkaJSConnectionClosedError');
const KafkaJSSASLAuthenticationError = errorClass('KafkaJSSASLAuthenticationError');

/** The error a send gives back once kafkajs' retries are spent: the last attempt's error inside. */
const afterRetries = (cause: Error) => new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 2, retryTime: 300 });

describe('isCertificateRefused', () => {
  it('recognises a TLS handshake the broker refused, as kafkajs wraps Node\'s error', () => {
    // What Node reports when the broker answers the client certificate with a bad_certificate alert.
    const alert = new KafkaJSConnectionError(
      'Connection error: C0B7:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:SSL alert number 42',
      { broker: 'kafka-1:9093', code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' },
    );
    expect(isCertificateRefused(alert)).toBe(true);
    expect(isCertificateRefused(afterRetries(alert))).toBe(true);
    expect(
      isCertificateRefused(new KafkaJSConnectionError('Connection error: certificate has expired', { code: 'CERT_HAS_EXPIRED' })),
    ).toBe(true);
  });

  it('recognises an authentication failure', () => {
    expect(isCertificateRefused(afterRetries(new KafkaJSSASLAuthenticationError('SASL SCRAM authentication failed')))).toBe(true);
  });

  it('leaves outages alone: refused, closed and timed-out connections are not certificate trouble', () => {
    expect(isCertificateRefused(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9093', { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isCertificateRefused(afterRetries(new KafkaJSConnectionClosedError('Closed connection', { host: 'h', port: 1 })))).toBe(false);
    expect(isCertificateRefused(new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out'))).toBe(false);
    expect(isCertificateRefused('broker gone')).toBe(false);
    expect(isCertificateRefused(undefined)).toBe(false);
  });
});
