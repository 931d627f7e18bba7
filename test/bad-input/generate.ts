/**
 * Generated members of the bad-input corpus: payloads at and over the 1 MiB record limit of SQS
 * and Kinesis (counted in UTF-8 bytes, not characters), huge arrays, deep nesting and wide
 * objects. Built at run time rather than stored: they are megabytes of filler.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MAX_RECORD_BYTES } from '../../src/shared/runtime/errors';

export { MAX_RECORD_BYTES };

/**
 * JSON of exactly `bytes` UTF-8 bytes: `build(filler)` with the filler string made of `char`
 * (topped up with ASCII when `char` is multi-byte).
 */
export function sized(bytes: number, build: (filler: string) => unknown, char = 'x'): string {
  const base = Buffer.byteLength(JSON.stringify(build('')));
  const charBytes = Buffer.byteLength(char);
  const count = Math.floor((bytes - base) / charBytes);
  const body = JSON.stringify(build(char.repeat(count) + 'x'.repeat(bytes - base - count * charBytes)));
  if (Buffer.byteLength(body) !== bytes) {
    throw new Error(`sized: made ${Buffer.byteLength(body)} bytes, wanted ${bytes}`);
  }
  return body;
}

export interface GeneratedCase {
  name: string;
  raw: string;
}

/** Bodies no worker accepts, which must be refused without being parsed whole (over the limit) or cheaply. */
export function generatedBadBodies(): GeneratedCase[] {
  const depth = 100_000;
  return [
    {
      name: 'body one byte over the 1 MiB limit',
      raw: sized(MAX_RECORD_BYTES + 1, (padding) => ({ campaignId: 'c1', padding })),
    },
    {
      // About 350,000 characters but over 1 MiB of UTF-8: the bound is in bytes.
      name: 'body under 1 MiB in characters but over it in UTF-8 bytes',
      raw: sized(MAX_RECORD_BYTES + 3, (padding) => ({ campaignId: 'c1', padding }), '€'),
    },
    { name: `arrays nested ${depth.toLocaleString('en-US')} deep`, raw: `${'['.repeat(depth)}${']'.repeat(depth)}` },
    {
      name: 'object with 100,000 keys',
      raw: JSON.stringify(Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]))),
    },
    { name: 'array of 200,000 records', raw: JSON.stringify(Array.from({ length: 200_000 }, () => ({ a: 1 }))) },
  ];
}

export interface CorpusCase {
  name: string;
  raw: string;
}

const CORPUS = path.join(__dirname, 'corpus');

/** The stored malformed bodies (corpus/common.json). */
export function commonBadBodies(): CorpusCase[] {
  return (JSON.parse(readFileSync(path.join(CORPUS, 'common.json'), 'utf8')) as { cases: CorpusCase[] }).cases;
}

export interface RecordCase {
  name: string;
  /** SQS: the body; typed queues may name a `type` message attribute. */
  body?: unknown;
  type?: string;
  /** Stream: the DynamoDB change record. */
  change?: Record<string, unknown>;
}

export interface WorkerCases {
  invalid: RecordCase[];
  valid: RecordCase[];
}

/**
 * corpus/records.json with `$NS` replaced, parsed with JSON.parse so that `__proto__` keys stay
 * own properties, exactly as a worker's own JSON.parse of a delivered body sees them.
 */
export function workerCases(ns: string): { sqs: Record<string, WorkerCases>; stream: Record<string, WorkerCases> } {
  const text = readFileSync(path.join(CORPUS, 'records.json'), 'utf8').split('$NS').join(ns);
  return JSON.parse(text) as { sqs: Record<string, WorkerCases>; stream: Record<string, WorkerCases> };
}
