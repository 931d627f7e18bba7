/**
 * The local runtime's clock: real time plus an offset that only moves forward. Every execution
 * environment reads the same offset (a SharedArrayBuffer), so workers, the scheduler and the
 * scenario agree on "now". The offset moves when the scenario skips ahead (`advance`) and, with
 * a clock speed above 1, while the system is idle: an invocation in flight never sees time jump,
 * so client timeouts measured with Date.now() (kafkajs does) are never distorted.
 */
export class LocalClock {
  /** Shared with worker threads: [offset in ms]. */
  readonly buffer = new SharedArrayBuffer(8);
  private readonly offsets = new BigInt64Array(this.buffer);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Simulated seconds per real second while idle. */
    readonly speed = 1,
  ) {
    if (!(speed >= 1)) {
      throw new Error(`clock speed must be 1 or more, got ${speed}`);
    }
  }

  /** Local "now" in epoch milliseconds. */
  now(): number {
    return Date.now() + this.offsetMs();
  }

  offsetMs(): number {
    return Number(Atomics.load(this.offsets, 0));
  }

  /** Moves local time forward by `ms` (never backwards: schedules and TTLs assume monotonic time). */
  advance(ms: number): void {
    if (ms > 0) {
      Atomics.add(this.offsets, 0, BigInt(Math.round(ms)));
    }
  }

  /** Moves local time forward to `epochMs` when that is in the future. */
  advanceTo(epochMs: number): void {
    this.advance(epochMs - this.now());
  }

  /** Starts accelerating: the extra time accumulates and is added whenever `isIdle()` holds. */
  startAcceleration(isIdle: () => boolean, tickMs = 200): void {
    if (this.speed === 1 || this.timer) {
      return;
    }
    let last = Date.now();
    let owed = 0;
    this.timer = setInterval(() => {
      const real = Date.now();
      owed += (real - last) * (this.speed - 1);
      last = real;
      if (isIdle()) {
        this.advance(owed);
        owed = 0;
      }
    }, tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * Source of the code a worker thread runs first: replaces Date so `Date.now()` and `new Date()`
 * read the shared local clock. Expects `workerData.clock` to be the clock's buffer.
 */
export const CLOCK_PATCH = `
const __offsets = new BigInt64Array(require('node:worker_threads').workerData.clock);
const __RealDate = Date;
const __now = () => __RealDate.now() + Number(Atomics.load(__offsets, 0));
function LocalDate(...args) {
  if (!new.target) return new __RealDate(__now()).toString();
  return args.length ? new __RealDate(...args) : new __RealDate(__now());
}
LocalDate.prototype = __RealDate.prototype;
LocalDate.now = __now;
LocalDate.UTC = __RealDate.UTC;
LocalDate.parse = __RealDate.parse;
globalThis.Date = LocalDate;
`;
