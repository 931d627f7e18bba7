/**
 * Thrown by a record parser or a worker for input that breaks an explicit rule of the spec:
 * the record is logged with the reason and counted as rejected, never retried.
 */
export class RejectedRecordError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RejectedRecordError';
  }
}

/** Thrown for an invalid direct / Step Functions / AppSync input; the caller sees the message. */
export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

/** Whether `error` is an expected rejection of bad input (the caller's fault), not a fault of ours. */
export function isExpectedRejection(error: unknown): error is InvalidInputError | RejectedRecordError {
  return error instanceof InvalidInputError || error instanceof RejectedRecordError;
}

/**
 * A copy of `error` (same class, name, message and own fields) whose `stack` is only its
 * "Name: message" line: what leaves the function, since Lambda returns `error.stack` to the
 * caller as `trace`. The original is left as it is (it may be shared, for example a cached rejection).
 */
export function withoutStackFrames(error: unknown): unknown {
  if (!(error instanceof Error)) {
    return error;
  }
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
  for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(error))) {
    if (key !== 'stack') {
      Object.defineProperty(copy, key, descriptor);
    }
  }
  Object.defineProperty(copy, 'stack', {
    value: `${error.name}: ${error.message}`,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return copy;
}

/** Largest record body the adapters parse (the SQS and Kinesis payload limit is 1 MiB). */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** Parses JSON with a size bound; throws RejectedRecordError with the reason when it cannot. */
export function parseJsonBounded(text: string, what = 'body', maxBytes = MAX_RECORD_BYTES): unknown {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    throw new RejectedRecordError(`${what} is ${bytes} bytes, over the ${maxBytes}-byte limit`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RejectedRecordError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}
