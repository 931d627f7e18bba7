import { RejectedRecordError } from '../runtime/errors';
import { MAX_DEPTH, sanitise } from './sanitise';

describe('sanitise', () => {
  it('drops __proto__, constructor and prototype keys at every level and keeps everything else', () => {
    const input = JSON.parse('{"a":1,"__proto__":{"polluted":true},"b":[{"constructor":{"x":1},"c":"d"}],"e":{"prototype":2,"f":null}}');
    const clean = sanitise(input) as Record<string, unknown>;
    expect(clean).toEqual({ a: 1, b: [{ c: 'd' }], e: { f: null } });
    expect(Object.getPrototypeOf(clean)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it(`rejects data nested deeper than ${MAX_DEPTH} levels with a reason`, () => {
    const nest = (levels: number): unknown => (levels === 0 ? 'leaf' : { n: nest(levels - 1) });
    expect(() => sanitise(nest(MAX_DEPTH))).not.toThrow();
    expect(() => sanitise(nest(MAX_DEPTH + 1))).toThrow(RejectedRecordError);
    expect(() => sanitise(nest(MAX_DEPTH + 1))).toThrow(/nested deeper than 32 levels/);
  });
});
