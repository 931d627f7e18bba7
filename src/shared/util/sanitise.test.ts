import { RejectedRecordError } from '../runtime/errors';
import { MAX_DEPTH, sanitise, withoutKeys } from './sanitise';

describe('sanitise', () => {
  it('drops __proto__, constructor and prototype keys at every level and keeps everything else', () => {
    const input = JSON.parse(
      '{"a":1,"__proto__":{"polluted":true},"b":[{"constructor":{"x":1},"c":"d"}],"e":{"prototype":2,"f":null}}',
    );
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

  it('never modifies its input, returns clean data itself and copies only the way to a dropped key', () => {
    const text = '{"a":{"b":[1,{"c":2}]},"d":{"e":{"__proto__":{"x":1},"f":3}},"g":[{"h":4}]}';
    const input = JSON.parse(text);
    const clean = sanitise(input) as Record<string, Record<string, unknown>>;
    expect(JSON.stringify(input)).toBe(text);
    expect(clean).toEqual({ a: { b: [1, { c: 2 }] }, d: { e: { f: 3 } }, g: [{ h: 4 }] });
    expect(clean).not.toBe(input);
    expect(clean.d).not.toBe(input.d);
    expect(clean.a).toBe(input.a);
    expect(clean.g).toBe(input.g);
    const untouched = JSON.parse('{"a":[{"b":1}],"c":"d"}');
    expect(sanitise(untouched)).toBe(untouched);
  });

  it('copies objects that are not ordinary into plain objects of their own members', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    const copied = sanitise({ bare, date: new Date(0) }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copied.bare)).toBe(Object.prototype);
    expect(copied).toEqual({ bare: { a: 1 }, date: {} });
  });
});

describe('withoutKeys', () => {
  it('keeps a __proto__ key it does not drop as data, without touching the prototype', () => {
    const input = JSON.parse('{"__proto__":{"polluted":true},"secret":1,"list":[{"secret":2,"k":3}]}');
    const out = withoutKeys(input, (key) => key === 'secret') as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'list']);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: true });
    expect(out.list).toEqual([{ k: 3 }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(input.list[0]).toEqual({ secret: 2, k: 3 });
  });
});
