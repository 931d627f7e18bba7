import { buildReminder, toWinner } from './reminders';
import type { ReminderContext, Winner } from './reminders';

const doc = {
  globalUserId: 'g1',
  phone: '+15551230001',
  email: 'fan@example.com',
  locale: 'en-US',
  codes: [
    { id: 'OTHER', marketId: 'm2' },
    { id: 'CODE1', marketId: 'm1' },
  ],
};

describe('toWinner', () => {
  it('takes the code of the market and the US phone, in either stored phone shape', () => {
    expect(toWinner(doc, 'm1')).toEqual({ globalUserId: 'g1', phoneNumber: '+15551230001', email: 'fan@example.com', locale: 'en-US', code: 'CODE1' });
    expect(toWinner({ ...doc, phone: { number: '+15551230002', type: 'mobile' } }, 'm1')).toMatchObject({ phoneNumber: '+15551230002' });
  });

  it('refuses fans without a US phone, a code for the market or a global user id, naming the rule', () => {
    expect(toWinner({ ...doc, phone: '+447700900000' }, 'm1')).toEqual({ rejected: 'no US (+1) phone' });
    expect(toWinner(doc, 'm3')).toEqual({ rejected: 'no code id for the market' });
    expect(toWinner({ ...doc, codes: [{ id: '', marketId: 'm1' }] }, 'm1')).toEqual({ rejected: 'no code id for the market' });
    expect(toWinner({ ...doc, globalUserId: '' }, 'm1')).toEqual({ rejected: 'no globalUserId' });
    expect(toWinner({ ...doc, phone: undefined }, 'm1')).toEqual({ rejected: 'no US (+1) phone' });
  });
});

describe('buildReminder', () => {
  const ctx: ReminderContext = {
    campaignId: 'c1',
    marketId: 'm1',
    eventId: 'ev1',
    presaleDateTime: '2026-07-17T14:00:00.000Z',
    createdAt: '2026-07-17T12:00:00.000Z',
    fallbackLocales: ['en-US'],
    render: (locales, code) => (locales[0] === 'xx' ? { locale: 'xx', missing: ['event.link'] } : { locale: String(locales[0]), body: `code ${code}` }),
  };

  it('builds the record the sender expects, under the reminder key', () => {
    const winner = toWinner(doc, 'm1') as Winner;
    expect(buildReminder(winner, ctx)).toEqual({
      PK: 'fan:g1',
      SK: 'asu#c1-m1#reminder',
      type: 'notification',
      notificationType: 'reminder',
      contactMethod: 'sms',
      status: 'CREATED',
      sendAttempts: 0,
      errors: [],
      eventId: 'ev1',
      phoneNumber: '+15551230001',
      email: 'fan@example.com',
      code: 'CODE1',
      campaignId: 'c1',
      marketId: 'm1',
      globalUserId: 'g1',
      locale: 'en-US',
      presaleDateTime: '2026-07-17T14:00:00.000Z',
      messageBody: 'code CODE1',
      date: { created: '2026-07-17T12:00:00.000Z' },
    });
  });

  it('builds nothing without a message body but says what is missing, and leaves out absent optional fields', () => {
    const winner = { globalUserId: 'g1', phoneNumber: '+15551230001', code: 'C', locale: 'xx' };
    expect(buildReminder(winner, ctx)).toEqual({ locale: 'xx', missing: ['event.link'] });
    const record = buildReminder({ ...winner, locale: undefined }, { ...ctx, eventId: undefined });
    expect(record).not.toHaveProperty('email');
    expect(record).not.toHaveProperty('eventId');
  });
});
