import { RejectedRecordError } from '../../../shared/runtime';
import { parseUserMessage } from './userMessage';

const rejects = (body: unknown, reason: RegExp) => {
  expect(() => parseUserMessage(body)).toThrow(RejectedRecordError);
  expect(() => parseUserMessage(body)).toThrow(reason);
};

describe('parseUserMessage (DECISIONS.md [11])', () => {
  it('takes the user from the detail of an EventBridge envelope', () => {
    const envelope = {
      version: '0',
      id: 'e1',
      'detail-type': 'UserUpdated',
      source: 'tm.users',
      detail: { globalUserId: 'g1', email: 'a@b.co' },
    };
    expect(parseUserMessage(envelope)).toEqual({ globalUserId: 'g1', email: 'a@b.co' });
  });

  it('accepts a bare user with camelCase fields', () => {
    expect(parseUserMessage({ globalUserId: ' g1 ', firstName: 'Zoë', lastName: null, ticketmasterId: 't1' })).toEqual({
      globalUserId: 'g1',
      firstName: 'Zoë',
      ticketmasterId: 't1',
    });
  });

  it('accepts global_user_id as an alias and sends it as globalUserId', () => {
    expect(parseUserMessage({ global_user_id: 'g2', email: ' x@y.z ' })).toEqual({
      globalUserId: 'g2',
      email: 'x@y.z',
    });
    expect(parseUserMessage({ global_user_id: 'g2', globalUserId: 'g2' })).toEqual({ globalUserId: 'g2' });
  });

  it('treats a blank email as no email', () => {
    expect(parseUserMessage({ globalUserId: 'g1', email: '  ', firstName: 'A' })).toEqual({
      globalUserId: 'g1',
      firstName: 'A',
    });
  });

  it('rejects messages without a usable user id', () => {
    rejects([], /not a JSON object/);
    rejects({ email: 'a@b.co' }, /no globalUserId/);
    rejects({ globalUserId: '  ' }, /no globalUserId/);
    rejects({ globalUserId: 42 }, /no globalUserId/);
    rejects({ 'detail-type': 'x', detail: { email: 'a@b.co' } }, /no globalUserId/);
  });

  it('rejects conflicting ids and malformed emails, which User Service would refuse for the whole request', () => {
    rejects({ globalUserId: 'g1', global_user_id: 'g2' }, /disagree/);
    rejects({ globalUserId: 'g1', email: 'not-an-email' }, /malformed email/);
    rejects({ globalUserId: 'g1', email: 7 }, /malformed email/);
  });

  it('quotes a huge id in the reason only as a short excerpt', () => {
    const huge = 'g'.repeat(1_000_000);
    for (const body of [{ globalUserId: huge, global_user_id: 'g2' }, { globalUserId: huge, email: 'x' }]) {
      const reason = (() => {
        try {
          parseUserMessage(body);
        } catch (error) {
          return (error as Error).message;
        }
        return '';
      })();
      expect(reason).toMatch(/disagree|malformed email/);
      expect(reason.length).toBeLessThan(300);
    }
  });

  it('forwards only the documented attributes: no authorization, IDV token or other attribute of the message', () => {
    const body = {
      globalUserId: 'g1',
      email: 'a@b.co',
      firstName: 'A',
      lastName: 'B',
      phoneNumber: '+12125550100',
      ticketmasterId: 12345,
      authorization: 'Bearer T',
      idvToken: 'T',
      profile: { sessionToken: 'T', city: 'X' },
      tokens: ['T'],
    };
    const expected = {
      globalUserId: 'g1',
      email: 'a@b.co',
      firstName: 'A',
      lastName: 'B',
      phoneNumber: '+12125550100',
      ticketmasterId: '12345',
    };
    expect(parseUserMessage(body)).toEqual(expected);
    expect(parseUserMessage({ source: 's', 'detail-type': 'd', detail: body })).toEqual(expected);
  });

  it('rejects a documented attribute that is not text, which would otherwise carry anything', () => {
    rejects({ globalUserId: 'g1', firstName: { idvToken: 'T' } }, /^user firstName must be a string$/);
    rejects({ globalUserId: 'g1', lastName: ['T'] }, /lastName must be a string/);
    rejects({ globalUserId: 'g1', phoneNumber: true }, /phoneNumber must be a string/);
  });
});
