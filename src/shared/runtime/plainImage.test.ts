import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { RejectedRecordError } from './errors';
import { isExactAsJsonNumber, plainImage, unmarshallImage } from './stream';

/**
 * What plainImage replaced: forbidden keys dropped, the SDK's unmarshall, then a copy into plain
 * JSON (sets as sorted arrays, binary as base64). Kept here as the reference it must agree with.
 */
function reference(image: Record<string, AttributeValue>, toNumber: (n: string) => number): unknown {
  const forbidden = new Set(['__proto__', 'constructor', 'prototype']);
  const clean = (m: Record<string, AttributeValue>): Record<string, AttributeValue> =>
    Object.fromEntries(
      Object.entries(m)
        .filter(([k]) => !forbidden.has(k))
        .map(([k, v]) => [k, v.M ? { M: clean(v.M) } : v.L ? { L: v.L.map((i) => (i.M ? { M: clean(i.M) } : i)) } : v]),
    );
  const plain = (value: unknown): unknown => {
    if (value instanceof Set) {
      return [...value].map(plain).sort();
    }
    if (Array.isArray(value)) {
      return value.map(plain);
    }
    if (value instanceof Uint8Array) {
      return Buffer.from(value).toString('base64');
    }
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    }
    return value;
  };
  return plain(unmarshall(clean(image), { wrapNumbers: toNumber }));
}

const images: Record<string, Record<string, AttributeValue>> = {
  registration: marshall({
    PK: 'campaign#c1',
    SK: 'fan#g1',
    type: 'registration',
    needsReplication: true,
    fields: { email: 'fan@example.com', markets: ['m1', 'm2'], allow_marketing: true, nothing: null },
    date: { created: '2026-05-01T10:00:00Z', updated: '2026-05-01T10:00:00Z' },
    score: 12.5,
  }),
  everyType: {
    s: { S: 'text' },
    n: { N: '-0.000120' },
    bool: { BOOL: false },
    nul: { NULL: true },
    b: { B: 'AAEC' as unknown as Uint8Array },
    bytes: { B: new Uint8Array([1, 2, 3]) },
    ss: { SS: ['b', 'a', 'B', 'a'] },
    ns: { NS: ['10', '9', '1.0', '1', '-3'] },
    bs: { BS: ['Ag==' as unknown as Uint8Array, 'AQ==' as unknown as Uint8Array] },
    l: { L: [{ S: 'x' }, { M: { y: { N: '2' }, constructor: { S: 'gone' } } }, { L: [{ NULL: true }] }] },
    m: { M: { z: { S: 'last' }, a: { S: 'first' }, prototype: { S: 'gone' } } },
  },
  forbidden: JSON.parse(
    '{"__proto__":{"M":{"polluted":{"BOOL":true}}},"keep":{"M":{"__proto__":{"S":"x"},"ok":{"N":"1"}}}}',
  ),
  inexact: {
    big: { N: '12345678901234567890' },
    tiny: { N: '1e-400' },
    fine: { N: '0.1' },
    ns: { NS: ['9007199254740993'] },
  },
};

describe('plainImage', () => {
  it.each(Object.keys(images))('gives what unmarshall and a plain copy gave: %s', (name) => {
    const seen: string[] = [];
    const refSeen: string[] = [];
    const ours = plainImage(images[name], (n) => (seen.push(n), Number(n)));
    expect(ours).toEqual(reference(images[name], (n) => (refSeen.push(n), Number(n))));
    expect(JSON.stringify(ours)).toBe(JSON.stringify(reference(images[name], Number)));
    expect(seen.sort()).toEqual(refSeen.sort());
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('sorts sets as the copy did (numbers by their text) and drops forbidden keys at every level', () => {
    const out = plainImage(images.everyType, Number);
    expect(out.ns).toEqual([-3, 1, 10, 9]);
    expect(out.ss).toEqual(['B', 'a', 'b']);
    expect(out.bytes).toBe('AQID');
    expect(out.l).toEqual(['x', { y: 2 }, [null]]);
    expect(Object.keys(out.m as object)).toEqual(['z', 'a']);
  });

  it('reports the numbers a JSON number cannot carry exactly, as unmarshallImage did', () => {
    const inexact: string[] = [];
    unmarshallImage(images.inexact, inexact);
    expect(inexact.sort()).toEqual(['12345678901234567890', '1e-400', '9007199254740993']);
    expect(isExactAsJsonNumber('123456789012345')).toBe(true);
    expect(isExactAsJsonNumber('-007')).toBe(true);
    expect(isExactAsJsonNumber('1234567890123456789')).toBe(false);
  });

  it('refuses what is not an attribute value, and nesting past maxDepth', () => {
    expect(() => plainImage({ a: { X: 1 } }, Number)).toThrow('not a DynamoDB attribute value: keys X');
    expect(() => plainImage({ a: 'text' }, Number)).toThrow('not a DynamoDB attribute value: string');
    const nest = (levels: number): Record<string, AttributeValue> =>
      levels === 0 ? { leaf: { S: 'x' } } : { n: { M: nest(levels - 1) } };
    expect(() => plainImage(nest(3), Number, 3)).not.toThrow();
    expect(() => plainImage(nest(4), Number, 3)).toThrow(RejectedRecordError);
  });
});
