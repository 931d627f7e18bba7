/**
 * The state machine's input (DECISIONS.md [13]) and the cursor that carries a selection run
 * from one invocation to the next.
 */
import { requireId } from '../../../shared/domain/ids';
import { InvalidInputError } from '../../../shared/runtime/errors';
import { requireObject } from '../../../shared/runtime/direct';
import { truncateText } from '../../../shared/runtime/logger';
import { QUOTE_MAX_CHARS } from '../../../shared/runtime/quote';

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

/**
 * The error selection-step-fn caught from a page (its Catch output `{ Error, Cause }`): the
 * worker's own error, or one the worker never saw (Lambda timeout or out of memory, States.Timeout).
 */
export interface TaskFailure {
  error: string;
  /** Lambda's JSON error payload, a plain message, or absent. */
  cause?: string;
}

/** What one invocation is asked to do: a page of the run, or (ReportFailure) only report the run FAILED. */
export type SelectionTask =
  | { kind: 'select'; request: SelectionRequest }
  | { kind: 'reportFailure'; request: SelectionRequest; failure: TaskFailure };

/** Longest `failure.Cause` accepted (Step Functions caps a cause at 32,768 characters). */
export const MAX_CAUSE_LENGTH = 32_768;

/** Validates the invocation input; throws InvalidInputError naming the problem. */
export function parseSelectionTask(event: unknown): SelectionTask {
  const input = requireObject(event);
  const request = parseRequestFields(input);
  if (input.failure === undefined) {
    return { kind: 'select', request };
  }
  return { kind: 'reportFailure', request, failure: parseFailure(input.failure) };
}

/**
 * Validates a page's input; throws InvalidInputError naming the problem. An input carrying
 * `failure` (a ReportFailure invocation) is refused: running a page for it would select fans.
 */
export function parseSelectionRequest(event: unknown): SelectionRequest {
  const input = requireObject(event);
  if (input.failure !== undefined) {
    throw new InvalidInputError(
      'failure is a failure report, not a selection request (parse it with parseSelectionTask)',
    );
  }
  return parseRequestFields(input);
}

function parseFailure(value: unknown): TaskFailure {
  const shape = 'failure must be the { Error, Cause } a Step Functions Catch produces';
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidInputError(shape);
  }
  const failure = value as Record<string, unknown>;
  const unknown = Object.keys(failure).filter((key) => key !== 'Error' && key !== 'Cause');
  if (unknown.length > 0) {
    throw new InvalidInputError(`${shape}; unknown field ${truncateText(unknown.join(', '), QUOTE_MAX_CHARS)}`);
  }
  const { Error: error, Cause: cause } = failure;
  if (typeof error !== 'string' || error.trim() === '') {
    throw new InvalidInputError('failure.Error must be a non-empty string');
  }
  if (cause !== undefined && cause !== null && typeof cause !== 'string') {
    throw new InvalidInputError('failure.Cause must be a string when given');
  }
  if (typeof cause === 'string' && cause.length > MAX_CAUSE_LENGTH) {
    throw new InvalidInputError(`failure.Cause is longer than ${MAX_CAUSE_LENGTH} characters`);
  }
  return { error, ...(typeof cause === 'string' && cause !== '' ? { cause } : {}) };
}

function parseRequestFields(input: Record<string, unknown>): SelectionRequest {
  const request: SelectionRequest = {
    // Both go into service URL paths: checked by the id rule, so a `..` never calls anything.
    campaignId: requireId(input.campaignId, 'campaignId', InvalidInputError),
    marketId: requireId(input.marketId, 'marketId', InvalidInputError),
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
