import type { Campaign } from '../../../shared/domain/campaign';
import { validateEntry } from './entry';

const campaign: Campaign = {
  id: 'c1',
  status: 'OPEN',
  markets: [{ id: 'm1', campaign_id: 'c1' }],
  preferences: [
    { id: 'email', type: 'email', is_optional: false },
    { id: 'mobile', type: 'phone', is_optional: false },
    { id: 'markets', type: 'markets', is_optional: false },
    { id: 'allow_marketing', type: 'opt_in', is_optional: true },
    { id: 'note', type: 'freeform_text', is_optional: true },
  ],
};
const good = { email: 'FAN@example.com', mobile: '212 555 0123', markets: ['m1'], allow_marketing: false };

describe('validateEntry', () => {
  it('returns normalised fields keyed by preference id, ignoring values that are not preferences', () => {
    expect(validateEntry(campaign, { ...good, idvToken: 'x.y.z', extra: 1 })).toEqual({
      valid: true,
      fields: { email: 'fan@example.com', mobile: '+12125550123', markets: ['m1'], allow_marketing: false },
    });
  });

  it('leaves out optional preferences that are empty', () => {
    const result = validateEntry(campaign, { ...good, allow_marketing: null, note: '   ' });
    expect(result).toEqual({
      valid: true,
      fields: { email: 'fan@example.com', mobile: '+12125550123', markets: ['m1'] },
    });
  });

  it.each([undefined, null, '', '  ', []])('reports a required preference given %p as "empty field"', (value) => {
    expect(validateEntry(campaign, { ...good, markets: value })).toEqual({
      valid: false,
      field: 'markets',
      message: 'empty field',
    });
  });

  it('reports the first bad preference with its validator message', () => {
    expect(validateEntry(campaign, { ...good, email: 'nope', mobile: '12' })).toEqual({
      valid: false,
      field: 'email',
      message: 'email is not a valid address',
    });
  });

  it('reports an unknown preference type as "invalid field", unless it is optional and empty', () => {
    const withUnknown = (is_optional: boolean): Campaign => ({
      ...campaign,
      preferences: [{ id: 'shoe', type: 'shoe_size', is_optional }],
    });
    expect(validateEntry(withUnknown(false), { shoe: 42 })).toEqual({
      valid: false,
      field: 'shoe',
      message: 'invalid field',
    });
    expect(validateEntry(withUnknown(true), { shoe: 42 })).toEqual({
      valid: false,
      field: 'shoe',
      message: 'invalid field',
    });
    expect(validateEntry(withUnknown(true), {})).toEqual({ valid: true, fields: {} });
  });

  it('treats a preference without is_optional as required', () => {
    const c: Campaign = { ...campaign, preferences: [{ id: 'zip', type: 'zip' } as never] };
    expect(validateEntry(c, {})).toEqual({ valid: false, field: 'zip', message: 'empty field' });
  });

  it('accepts any entry for a campaign without preferences', () => {
    expect(validateEntry({ id: 'c2', status: 'OPEN' }, { anything: 1 })).toEqual({ valid: true, fields: {} });
  });
});
