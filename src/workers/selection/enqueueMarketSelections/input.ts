/**
 * The state machine's input (DECISIONS.md [13]) and the cursor that carries a selection run
 * from one invocation to the next.
 */
import { InvalidInputError } from '../../../shared/runtime/errors';
import { requireObject } from '../../../shared/runtime/direct';

export interface SelectionRequest {
  campaignId: string;
  marketId: string;
  dateId: string;
  /** Most fans this run selects; absent: every eligible fan. */
  selectionCount?: number;
  /** Opaque position returned by the previous invocation of the same run. */
  cursor?: string;
}

/**
 * Where a run stands. `offset` indexes the market's eligible fans ordered by score *including*
 * those already holding a code for the market: saveSelections assigning codes while the run is
 * going does not move anyone in that list, so offsets stay valid (docs/selection.md).
 * The running totals live here too, so the last invocation can report them without reading stats back.
 */
export interface SelectionProgress {
  campaignId: string;
  marketId: string;
  dateId: string;
  offset: number;
  /** Eligible fans without a code for the market when the run started. */
  eligible: number;
  queued: number;
  failed: number;
  skipped: number;
}

const CURSOR_VERSION = 1;

function requireText(input: Record<string, unknown>, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidInputError(`${field} must be a non-empty string`);
  }
  return value;
}

/** Validates the invocation input; throws InvalidInputError naming the problem. */
export function parseSelectionRequest(event: unknown): SelectionRequest {
  const input = requireObject(event);
  const request: SelectionRequest = {
    campaignId: requireText(input, 'campaignId'),
    marketId: requireText(input, 'marketId'),
    dateId: requireText(input, 'dateId'),
  };
  if (input.selectionCount !== undefined && input.selectionCount !== null) {
    const count = input.selectionCount;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
      throw new InvalidInputError('selectionCount must be a positive integer when given');
    }
    request.selectionCount = count;
  }
  if (input.cursor !== undefined && input.cursor !== null) {
    request.cursor = requireText(input, 'cursor');
    decodeCursor(request.cursor, request);
  }
  return request;
}

/** A fresh run's progress. */
export const startProgress = (request: SelectionRequest, eligible: number): SelectionProgress => ({
  campaignId: request.campaignId,
  marketId: request.marketId,
  dateId: request.dateId,
  offset: 0,
  eligible,
  queued: 0,
  failed: 0,
  skipped: 0,
});

/** The opaque cursor handed to the state machine. */
export function encodeCursor(progress: SelectionProgress): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, ...progress })).toString('base64url');
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** Reads a cursor; throws InvalidInputError when it is malformed or belongs to another run. */
export function decodeCursor(
  cursor: string,
  request: Pick<SelectionRequest, 'campaignId' | 'marketId' | 'dateId'>,
): SelectionProgress {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new InvalidInputError('cursor is not one this worker returned');
  }
  const counts = ['offset', 'eligible', 'queued', 'failed', 'skipped'] as const;
  if (!parsed || parsed.v !== CURSOR_VERSION || !counts.every((k) => isCount(parsed[k]))) {
    throw new InvalidInputError('cursor is not one this worker returned');
  }
  if (
    parsed.campaignId !== request.campaignId ||
    parsed.marketId !== request.marketId ||
    parsed.dateId !== request.dateId
  ) {
    throw new InvalidInputError('cursor belongs to another campaign, market or dateId');
  }
  const { offset, eligible, queued, failed, skipped } = parsed as unknown as SelectionProgress;
  return {
    campaignId: request.campaignId,
    marketId: request.marketId,
    dateId: request.dateId,
    offset,
    eligible,
    queued,
    failed,
    skipped,
  };
}
