import { createHash } from 'node:crypto';
import { canonicalJson, dedupeId } from './canonicalJson';

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,1,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('drops undefined members like JSON.stringify and writes null for non-finite numbers', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, Number.NaN], c: null })).toBe('{"b":[null,null],"c":null}');
  });

  it('serialises __proto__ and constructor keys as data without touching prototypes', () => {
    const data = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"bad":1}},"a":1}');
    expect(canonicalJson(data)).toBe('{"__proto__":{"polluted":true},"a":1,"constructor":{"prototype":{"bad":1}}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).bad).toBeUndefined();
  });

  it('refuses circular structures', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalJson(a)).toThrow('circular');
  });
});

describe('dedupeId', () => {
  it('is the same for the same data in a different key order', () => {
    const one = dedupeId('campaign', { id: 'c1', name: 'N', date: { updated: 'u', created: 'c' } });
    const two = dedupeId('campaign', { date: { created: 'c', updated: 'u' }, name: 'N', id: 'c1' });
    expect(one).toMatch(/^[0-9a-f]{64}$/);
    expect(one).toBe(two);
  });

  it('differs by type and by any value', () => {
    const base = dedupeId('market', { id: 'm1', city: 'A' });
    expect(dedupeId('campaign', { id: 'm1', city: 'A' })).not.toBe(base);
    expect(dedupeId('market', { id: 'm1', city: 'B' })).not.toBe(base);
    expect(dedupeId('market', { id: 'm1', city: 'A', extra: null })).not.toBe(base);
  });

  it('is sha256 of the type followed by the canonical JSON', () => {
    expect(dedupeId('campaign', { a: 1 })).toBe(createHash('sha256').update('campaign{"a":1}').digest('hex'));
  });
});
