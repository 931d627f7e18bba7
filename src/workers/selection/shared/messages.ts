/**
 * Messages of the save-selection queue (DOMAIN.md 2.5), written by enqueueMarketSelections and
 * refreshSelections and read by saveSelections. Both kinds carry the code: a refresh re-sends an
 * existing assignment, and Entry Service needs the code to do that.
 */
import { requireId } from '../../../shared/domain/ids';
import { RejectedRecordError } from '../../../shared/runtime/errors';
import { quote } from '../../../shared/runtime/quote';

export const SELECTION = 'selection';
export const SELECTION_REFRESH = 'selectionRefresh';

interface AssignmentMessage {
  campaignId: string;
  marketId: string;
  globalUserId: string;
  /** Entry Service user id (24 characters); Entry Service keys code assignments by it. */
  userId: string;
  memberId?: string;
  eventIds: string[];
  code: string;
  /** `start`: when the code becomes usable, the market's presale time when it has one. */
  date: { created: string; start?: string };
}

export interface SelectionMessage extends AssignmentMessage {
  type: typeof SELECTION;
  codeConfigId?: string;
}

export interface SelectionRefreshMessage extends AssignmentMessage {
  type: typeof SELECTION_REFRESH;
}

export type SaveSelectionMessage = SelectionMessage | SelectionRefreshMessage;

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isIsoDate = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(Date.parse(value));

function requireText(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (!isText(value)) {
    throw new RejectedRecordError(`${field} must be a non-empty string`);
  }
  return value;
}

/** Validates a save-selection message body; throws RejectedRecordError naming the first problem. */
export function parseSaveSelectionMessage(body: unknown): SaveSelectionMessage {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new RejectedRecordError('message must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  if (b.type !== SELECTION && b.type !== SELECTION_REFRESH) {
    throw new RejectedRecordError(`type must be "${SELECTION}" or "${SELECTION_REFRESH}", got ${quote(b.type)}`);
  }
  // campaignId goes into Code and Entry Service URL paths: checked by the id rule before any call.
  const campaignId = requireId(b.campaignId, 'campaignId', RejectedRecordError);
  const [marketId, globalUserId, userId, code] = ['marketId', 'globalUserId', 'userId', 'code'].map((field) =>
    requireText(b, field),
  );
  if (!Array.isArray(b.eventIds) || !b.eventIds.every(isText)) {
    throw new RejectedRecordError('eventIds must be an array of strings');
  }
  const date = (b.date ?? {}) as Record<string, unknown>;
  if (!isIsoDate(date.created)) {
    throw new RejectedRecordError('date.created must be an ISO date');
  }
  if (date.start !== undefined && !isIsoDate(date.start)) {
    throw new RejectedRecordError('date.start must be an ISO date when present');
  }
  return {
    type: b.type,
    campaignId,
    marketId,
    globalUserId,
    userId,
    ...(isText(b.memberId) ? { memberId: b.memberId } : {}),
    eventIds: b.eventIds as string[],
    code,
    ...(b.type === SELECTION && isText(b.codeConfigId) ? { codeConfigId: b.codeConfigId } : {}),
    date: { created: date.created, ...(date.start === undefined ? {} : { start: date.start as string }) },
  };
}

/** The key deliveries are de-duplicated by: one fan in one market of one campaign (DECISIONS.md [15]). */
export const selectionKey = (m: { campaignId: string; marketId: string; globalUserId: string }): string =>
  JSON.stringify([m.campaignId, m.marketId, m.globalUserId]);

/** The market's presale time as an ISO string, when it has a valid one. */
export function presaleStart(market: { event?: { presaleDateTime?: string } }): string | undefined {
  const value = market.event?.presaleDateTime;
  return isIsoDate(value) ? new Date(value).toISOString() : undefined;
}
