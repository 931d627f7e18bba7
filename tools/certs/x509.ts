/**
 * Minimal X.509 v3 certificates built by hand in DER with node:crypto (Node has no certificate
 * writer and the openssl binary is not a dependency): `certs:generate --self-signed`, the local
 * Kafka client certificate, and the Vault fake's CA and issued certificates, with any validity
 * window (including already expired).
 */
import type { KeyObject } from 'node:crypto';
import { X509Certificate, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';
import type { CertBundle } from './certBundle';

const len = (n: number): Buffer => {
  if (n < 0x80) {
    return Buffer.from([n]);
  }
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) {
    bytes.unshift(v & 0xff);
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
};
const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
const seq = (...parts: Buffer[]) => tlv(0x30, ...parts);
const set = (...parts: Buffer[]) => tlv(0x31, ...parts);
const integer = (value: Buffer) => {
  // DER wants the shortest two's-complement form: no leading zero bytes unless the sign needs one.
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) {
    start++;
  }
  const trimmed = value.subarray(start);
  return tlv(0x02, trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
};
const oid = (dotted: string): Buffer => {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) {
      chunk.unshift(0x80 | (v & 0x7f));
    }
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
};
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));
const octets = (value: Buffer) => tlv(0x04, value);
const bits = (value: Buffer) => tlv(0x03, Buffer.from([0]), value);
const TRUE = Buffer.from([0x01, 0x01, 0xff]);

function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const year = date.getUTCFullYear();
  // RFC 5280: UTCTime through 2049, GeneralizedTime after.
  return year >= 1950 && year < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const SHA256_WITH_RSA = seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
const name = (commonName: string) => seq(set(seq(oid('2.5.4.3'), utf8(commonName))));
const extension = (id: string, critical: boolean, value: Buffer) =>
  seq(oid(id), ...(critical ? [TRUE] : []), octets(value));

function subjectAltNames(names: readonly string[]): Buffer {
  return seq(
    ...names.map((n) => {
      if (isIP(n) === 4) {
        return tlv(0x87, Buffer.from(n.split('.').map(Number)));
      }
      return tlv(0x82, Buffer.from(n, 'ascii'));
    }),
  );
}

export interface CertificateRequest {
  commonName: string;
  /** The certified public key. */
  publicKey: KeyObject;
  /** Issuer key; the certificate is self-signed when the issuer is omitted. */
  signingKey: KeyObject;
  issuerCommonName?: string;
  notBefore: Date;
  notAfter: Date;
  isCa?: boolean;
  /** Marks the certificate for TLS client authentication (extKeyUsage clientAuth). */
  clientAuth?: boolean;
  altNames?: readonly string[];
}

export interface BuiltCertificate {
  pem: string;
  serialNumber: string;
}

/** Builds and signs (sha256WithRSA) an X.509 v3 certificate. */
export function buildCertificate(req: CertificateRequest): BuiltCertificate {
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x40;
  const extensions = [extension('2.5.29.19', true, seq(...(req.isCa ? [TRUE] : [])))];
  if (req.clientAuth) {
    extensions.push(extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.2'))));
  }
  if (req.altNames && req.altNames.length > 0) {
    extensions.push(extension('2.5.29.17', false, subjectAltNames(req.altNames)));
  }
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    SHA256_WITH_RSA,
    name(req.issuerCommonName ?? req.commonName),
    seq(time(req.notBefore), time(req.notAfter)),
    name(req.commonName),
    req.publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, seq(...extensions)),
  );
  const der = seq(tbs, SHA256_WITH_RSA, bits(sign('sha256', tbs, req.signingKey)));
  const pem = `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  // Parsing it back proves the DER is well formed.
  new X509Certificate(pem);
  return { pem, serialNumber: serial.toString('hex').replace(/(..)(?!$)/g, '$1:') };
}

/** A self-signed RSA 2048 client certificate and key, valid from a minute ago for `days` days. */
export function selfSignedBundle(commonName: string, days: number, now = new Date()): CertBundle {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { pem: cert } = buildCertificate({
    commonName,
    publicKey,
    signingKey: privateKey,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + days * 86_400_000),
    clientAuth: true,
    altNames: [commonName],
  });
  return { cert, key: String(privateKey.export({ type: 'pkcs8', format: 'pem' })) };
}
