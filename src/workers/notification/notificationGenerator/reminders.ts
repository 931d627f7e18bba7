import type { Document } from 'mongodb';
import type { Item } from '../../../shared/aws/demandTable';
import { reminderKey } from '../../../shared/aws/keys';
import type { MessageRenderer, UnrenderableMessage } from './message';
import { isRendered } from './message';

/** A selected fan who gets an SMS reminder for a market. */
export interface Winner {
  globalUserId: string;
  phoneNumber: string;
  email?: string;
  locale?: string;
  code: string;
}

/** The demand-table reminder record (DOMAIN 2.8), as the dmd-workers sender reads it. */
export interface ReminderRecord extends Item {
  type: 'notification';
  notificationType: 'reminder';
  contactMethod: 'sms';
  status: 'CREATED';
  sendAttempts: 0;
  errors: [];
  eventId?: string;
  phoneNumber: string;
  email?: string;
  code: string;
  campaignId: string;
  marketId: string;
  globalUserId: string;
  locale: string;
  presaleDateTime: string;
  messageBody: string;
  date: { created: string };
}

export interface ReminderContext {
  campaignId: string;
  marketId: string;
  eventId?: string;
  presaleDateTime: string;
  /** ISO time of this run. */
  createdAt: string;
  /** Tried after the fan's locale: the campaign's default locale, then config's. */
  fallbackLocales: readonly unknown[];
  render: MessageRenderer;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * A scoring record (DOMAIN 2.4) as a recipient, or the rule it breaks: a global user id, a `+1`
 * phone and a code for the market. The winners query asks for all three, so a rejection means a
 * record the query let through with an unusable value (an empty code id, say).
 */
export function toWinner(doc: Document, marketId: string): Winner | { rejected: string } {
  const phone = text(typeof doc.phone === 'object' && doc.phone !== null ? doc.phone.number : doc.phone);
  const codes: unknown[] = Array.isArray(doc.codes) ? doc.codes : [];
  const code = codes
    .map((c) => c as { id?: unknown; marketId?: unknown })
    .find((c) => c.marketId === marketId && text(c.id) !== undefined)?.id as string | undefined;
  const globalUserId = text(doc.globalUserId);
  if (!globalUserId) {
    return { rejected: 'no globalUserId' };
  }
  if (!phone?.startsWith('+1')) {
    return { rejected: 'no US (+1) phone' };
  }
  if (!code) {
    return { rejected: 'no code id for the market' };
  }
  return { globalUserId, phoneNumber: phone, code, email: text(doc.email), locale: text(doc.locale) };
}

/** The reminder record of one fan, or why no message body can be made (no template, missing market data). */
export function buildReminder(winner: Winner, ctx: ReminderContext): ReminderRecord | UnrenderableMessage {
  const message = ctx.render([winner.locale, ...ctx.fallbackLocales], winner.code);
  if (!isRendered(message)) {
    return message;
  }
  return {
    ...reminderKey(winner.globalUserId, ctx.campaignId, ctx.marketId),
    type: 'notification',
    notificationType: 'reminder',
    contactMethod: 'sms',
    status: 'CREATED',
    sendAttempts: 0,
    errors: [],
    ...(ctx.eventId ? { eventId: ctx.eventId } : {}),
    phoneNumber: winner.phoneNumber,
    ...(winner.email ? { email: winner.email } : {}),
    code: winner.code,
    campaignId: ctx.campaignId,
    marketId: ctx.marketId,
    globalUserId: winner.globalUserId,
    locale: message.locale,
    presaleDateTime: ctx.presaleDateTime,
    messageBody: message.body,
    date: { created: ctx.createdAt },
  };
}

/** True for a built reminder, false for the reason none could be built. */
export const isReminder = (built: ReminderRecord | UnrenderableMessage): built is ReminderRecord => 'messageBody' in built;
