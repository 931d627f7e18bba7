/**
 * A self-signed X.509 v3 certificate built in DER with node:crypto (Node has no certificate
 * writer and the openssl binary is not a dependency), for `certs:generate --self-signed`.
 */
import type { KeyObject } from 'node:crypto';
import { X509Certificate, randomBytes, sign } from 'node:crypto';

const length = (n: number): Buffer => {
  if (n < 0x80) {
    return Buffer.from([n]);
  }
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) {
    bytes.unshift(v % 256);
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
};
const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
};
const seq = (...parts: Buffer[]) => tlv(0x30, ...parts);
const set = (...parts: Buffer[]) => tlv(0x31, ...parts);
const integer = (value: Buffer) => tlv(0x02, value[0] & 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value);
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
const time = (date: Date): Buffer => {
  const digits = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const year = date.getUTCFullYear();
  // RFC 5280: UTCTime for 1950–2049, GeneralizedTime otherwise.
  return year >= 1950 && year < 2050
    ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`))
    : tlv(0x18, Buffer.from(`${digits}Z`));
};

const SHA256_WITH_RSA = seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
const commonName = (cn: string) => seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn, 'utf8')))));

export interface SelfSignedRequest {
  commonName: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** DNS subject alternative names. */
  altNames?: readonly string[];
}

/** Builds a self-signed (sha256WithRSA) end-entity certificate and returns its PEM. */
export function selfSignedCertificate(req: SelfSignedRequest): string {
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const extensions = [
    // basicConstraints: not a CA (critical).
    seq(oid('2.5.29.19'), Buffer.from([0x01, 0x01, 0xff]), tlv(0x04, seq())),
    // extKeyUsage: TLS client authentication.
    seq(oid('2.5.29.37'), tlv(0x04, seq(oid('1.3.6.1.5.5.7.3.2')))),
  ];
  if (req.altNames && req.altNames.length > 0) {
    extensions.push(
      seq(oid('2.5.29.17'), tlv(0x04, seq(...req.altNames.map((n) => tlv(0x82, Buffer.from(n, 'ascii')))))),
    );
  }
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    SHA256_WITH_RSA,
    commonName(req.commonName),
    seq(time(req.notBefore), time(req.notAfter)),
    commonName(req.commonName),
    req.publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, seq(...extensions)),
  );
  const der = seq(tbs, SHA256_WITH_RSA, tlv(0x03, Buffer.from([0]), sign('sha256', tbs, req.privateKey)));
  const pem = `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;
  // Parsing it back proves the DER is well formed.
  new X509Certificate(pem);
  return pem;
}
