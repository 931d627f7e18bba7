import type { Campaign, Preference } from '../../../shared/domain/campaign';
import { DEFAULT_FREEFORM_MAX_LENGTH, DEFAULT_NAME_MAX_LENGTH, FieldError, VALIDATORS } from './preferences';

const campaign: Campaign = {
  id: 'c1',
  status: 'OPEN',
  markets: [
    { id: 'm1', campaign_id: 'c1', promoterIds: ['p1'] },
    { id: 'm2', campaign_id: 'c1', promoterIds: ['p2'] },
    { id: 'm3', campaign_id: 'c1' },
  ],
};
const pref = (type: string, additional: Preference['additional'] = {}): Preference => ({
  id: type,
  type,
  is_optional: false,
  additional,
});
const run = (type: keyof typeof VALIDATORS, value: unknown, additional?: Preference['additional'], c = campaign) =>
  VALIDATORS[type](value, pref(type, additional), c);
const fails = (type: keyof typeof VALIDATORS, value: unknown, additional?: Preference['additional'], c = campaign) =>
  expect(() => run(type, value, additional, c)).toThrow(FieldError);

describe('email', () => {
  it('trims and lower-cases a valid address', () => {
    expect(run('email', '  Fan.Name+vip@Example.COM ')).toBe('fan.name+vip@example.com');
  });
  it.each([
    'fan',
    'fan@',
    '@example.com',
    'fan@example',
    'fan @example.com',
    'fan@@example.com',
    '.fan@example.com',
    'fa..n@example.com',
    42,
  ])('refuses %p', (value) => fails('email', value));
  it('refuses addresses over the length limits', () => {
    fails('email', `${'a'.repeat(65)}@example.com`);
    fails('email', `a@${Array.from({ length: 5 }, () => 'b'.repeat(60)).join('.')}.com`);
  });
});

describe('phone', () => {
  it('normalises US national formats to E.164', () => {
    expect(run('phone', '(212) 555-0123')).toBe('+12125550123');
    expect(run('phone', '212.555.0123')).toBe('+12125550123');
    expect(run('phone', 2125550123)).toBe('+12125550123');
  });
  it('accepts international numbers with a country prefix', () => {
    expect(run('phone', '+44 20 7946 0958')).toBe('+442079460958');
    expect(run('phone', '011 44 20 7946 0958')).toBe('+442079460958');
    expect(run('phone', '+52 55 1234 5678')).toBe('+525512345678');
    expect(run('phone', '+1 (416) 555-0199')).toBe('+14165550199');
  });
  it.each(['12', '555-555-5555', '212-555-012', 'call me', '+99 123'])('refuses %p', (value) => fails('phone', value));
});

describe('name', () => {
  it('keeps accents and letters of any script, trims and collapses spaces', () => {
    expect(run('name', '  José   María ')).toBe('José María');
    expect(run('name', "Zoë O'Brien-Smith")).toBe("Zoë O'Brien-Smith");
    expect(run('name', 'Nguyễn Thị Minh')).toBe('Nguyễn Thị Minh');
    expect(run('name', '李小龙')).toBe('李小龙');
    expect(run('name', 'D’Angelo Jr.')).toBe('D’Angelo Jr.');
  });
  it('composes decomposed accents (NFC) so the same name is stored the same way', () => {
    expect(run('name', 'Zoe\u0308')).toBe('Zo\u00eb');
  });
  it.each(['R2D2', 'Robert; DROP TABLE', '-Ann', '<b>', 'a@b'])('refuses %p', (value) => fails('name', value));
  it('bounds the length in characters (default and configured)', () => {
    expect(run('name', 'é'.repeat(DEFAULT_NAME_MAX_LENGTH))).toHaveLength(DEFAULT_NAME_MAX_LENGTH);
    fails('name', 'a'.repeat(DEFAULT_NAME_MAX_LENGTH + 1));
    fails('name', 'Al', { minLength: 3 });
    fails('name', 'Alexander', { maxLength: 5 });
  });
});

describe('zip', () => {
  it('accepts US 5-digit and ZIP+4, normalised', () => {
    expect(run('zip', '02134')).toBe('02134');
    expect(run('zip', '02134-1234')).toBe('02134-1234');
    expect(run('zip', '021341234')).toBe('02134-1234');
    expect(run('zip', ' 02134 1234 ')).toBe('02134-1234');
  });
  it('restores the leading zeros of a ZIP stored as a number', () => {
    expect(run('zip', 2134)).toBe('02134');
  });
  it('accepts Canadian postal codes, upper-cased with one space', () => {
    expect(run('zip', 'k1a0b1')).toBe('K1A 0B1');
    expect(run('zip', 'M5V 3L9')).toBe('M5V 3L9');
  });
  it.each(['1234', '123456', 'D1A 0B1', 'W1A 0B1', 'K1A 0B', 'SW1A 1AA', 123456, 1.5])('refuses %p', (value) =>
    fails('zip', value),
  );
});

describe('opt_in and boolean_select', () => {
  it('accept booleans and their text forms', () => {
    expect(run('opt_in', true)).toBe(true);
    expect(run('opt_in', false)).toBe(false);
    expect(run('boolean_select', 'true')).toBe(true);
    expect(run('boolean_select', 'false')).toBe(false);
  });
  it.each(['yes', 1, 0, {}])('refuse %p', (value) => fails('opt_in', value));
});

describe('markets', () => {
  it('keeps the fan ranking of campaign markets', () => {
    expect(run('markets', ['m2', 'm1'])).toEqual(['m2', 'm1']);
  });
  it('refuses markets of other campaigns, repeats and non-id values', () => {
    fails('markets', ['m1', 'm9']);
    fails('markets', ['m1', 'm1']);
    fails('markets', 'm1');
    fails('markets', [1]);
  });
  it('applies additional.min and max, defaulting to one up to every market', () => {
    fails('markets', ['m1'], { min: 2 });
    fails('markets', ['m1', 'm2'], { max: 1 });
    expect(run('markets', ['m1', 'm2', 'm3'])).toHaveLength(3);
  });
  it('refuses any selection when the campaign has no markets', () => {
    fails('markets', ['m1'], {}, { id: 'c2', status: 'OPEN' });
  });
});

describe('ticket_count', () => {
  it('accepts whole numbers within min and max, also as text', () => {
    expect(run('ticket_count', 2, { min: 1, max: 4 })).toBe(2);
    expect(run('ticket_count', '4', { min: 1, max: 4 })).toBe(4);
  });
  it.each([0, 5, 2.5, '2.5', 'two', -1])('refuses %p for 1..4', (value) =>
    fails('ticket_count', value, { min: 1, max: 4 }),
  );
});

describe('freeform_text', () => {
  it('trims and bounds the length in characters', () => {
    expect(run('freeform_text', '  hello  ', { minLength: 2, maxLength: 5 })).toBe('hello');
    expect(run('freeform_text', '😀😀😀', { maxLength: 3 })).toBe('😀😀😀');
    fails('freeform_text', 'h', { minLength: 2 });
    fails('freeform_text', 'toolong', { maxLength: 5 });
    fails('freeform_text', 'x'.repeat(DEFAULT_FREEFORM_MAX_LENGTH + 1));
    fails('freeform_text', 7);
  });
});

describe('checklist', () => {
  it('accepts a subset of the items, repeats collapsed', () => {
    expect(run('checklist', ['a', 'c', 'a'], { items: ['a', 'b', 'c'] })).toEqual(['a', 'c']);
  });
  it('refuses items not on the list and counts outside min/max', () => {
    fails('checklist', ['a', 'z'], { items: ['a', 'b'] });
    fails('checklist', ['a'], { items: ['a', 'b'], min: 2 });
    fails('checklist', ['a'], {});
  });
});

describe('promoterOptIns', () => {
  it('accepts promoter ids of the campaign markets, repeats collapsed', () => {
    expect(run('promoterOptIns', ['p2', 'p1', 'p2'])).toEqual(['p2', 'p1']);
  });
  it('refuses promoters the campaign does not name, and values that are not ids', () => {
    fails('promoterOptIns', ['p9']);
    fails('promoterOptIns', [{ id: 'p1' }]);
    fails('promoterOptIns', ['']);
  });
  it('accepts any ids when the campaign names no promoters', () => {
    expect(run('promoterOptIns', ['live-nation'], {}, { id: 'c2', status: 'OPEN', markets: [] })).toEqual([
      'live-nation',
    ]);
  });
});
