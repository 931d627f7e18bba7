import { MAX_BATCH_ENTRIES, SNS_MAX_PAYLOAD_BYTES, chunk, snsBatchLimits, sqsBatchLimits, toBatches } from './batches';
import { SQS_MAX_MESSAGE_BYTES } from './sqsLimits';

const KiB = 1024;
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const sizes = (batches: string[][]) => batches.map((b) => b.map(bytes));

describe('chunk', () => {
  it('splits into runs of at most size, keeping order', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 10)).toEqual([]);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => chunk([1], 0)).toThrow('chunk size must be a positive integer, got 0');
    expect(() => chunk([1], 1.5)).toThrow(RangeError);
  });
});

describe('toBatches', () => {
  it('takes ten entries per request and puts the eleventh in the next', () => {
    const ten = toBatches(Array(10).fill('x'), sqsBatchLimits(bytes));
    expect(ten.map((b) => b.length)).toEqual([10]);
    const eleven = toBatches(Array(11).fill('x'), sqsBatchLimits(bytes));
    expect(eleven.map((b) => b.length)).toEqual([10, 1]);
    expect(toBatches(Array(23).fill('x'), snsBatchLimits(bytes)).map((b) => b.length)).toEqual([10, 10, 3]);
  });

  it('never takes more than ten entries, even when asked to', () => {
    expect(MAX_BATCH_ENTRIES).toBe(10);
    expect(toBatches(Array(12).fill('x'), sqsBatchLimits(bytes, 50)).map((b) => b.length)).toEqual([10, 2]);
    expect(toBatches(Array(7).fill('x'), sqsBatchLimits(bytes, 3)).map((b) => b.length)).toEqual([3, 3, 1]);
  });

  it('fills an SQS request to exactly 1 MiB and no further', () => {
    expect(SQS_MAX_MESSAGE_BYTES).toBe(1024 * KiB);
    const quarter = 'q'.repeat(256 * KiB);
    // Four quarters are exactly 1 MiB: one request. One byte more opens a second.
    expect(sizes(toBatches([quarter, quarter, quarter, quarter], sqsBatchLimits(bytes)))).toEqual([
      [256 * KiB, 256 * KiB, 256 * KiB, 256 * KiB],
    ]);
    expect(sizes(toBatches([quarter, quarter, quarter, `${quarter}q`], sqsBatchLimits(bytes)))).toEqual([
      [256 * KiB, 256 * KiB, 256 * KiB],
      [256 * KiB + 1],
    ]);
  });

  it('fills an SNS request to exactly 256 KiB and no further', () => {
    expect(SNS_MAX_PAYLOAD_BYTES).toBe(262_144);
    const half = 'h'.repeat(128 * KiB);
    expect(sizes(toBatches([half, half], snsBatchLimits(bytes)))).toEqual([[128 * KiB, 128 * KiB]]);
    expect(sizes(toBatches([half, `${half}h`], snsBatchLimits(bytes)))).toEqual([[128 * KiB], [128 * KiB + 1]]);
  });

  it('counts bytes as the caller measures them (UTF-8 bytes, message attributes)', () => {
    // 'é' is two bytes: 3 × 2 bytes + 4 bytes of attributes each = 10 per message.
    const limits = { maxEntries: 10, maxBytes: 20, bytesOf: (s: string) => bytes(s) + 4 };
    expect(toBatches(['ééé', 'ééé', 'ééé'], limits)).toEqual([['ééé', 'ééé'], ['ééé']]);
  });

  it('sends one oversized message alone, between the batches around it, in order', () => {
    const limits = { maxEntries: 10, maxBytes: 10, bytesOf: bytes };
    expect(toBatches(['aaaa', 'bbbb', 'ccccccccccccccc', 'dddd', 'ee'], limits)).toEqual([
      ['aaaa', 'bbbb'],
      ['ccccccccccccccc'],
      ['dddd', 'ee'],
    ]);
    const overSns = 'x'.repeat(SNS_MAX_PAYLOAD_BYTES + 1);
    expect(sizes(toBatches(['a', overSns, 'b'], snsBatchLimits(bytes)))).toEqual([
      [1],
      [SNS_MAX_PAYLOAD_BYTES + 1],
      [1],
    ]);
  });

  it('batches by bytes alone when no count is given (a Kafka send)', () => {
    const limits = { maxBytes: 3, bytesOf: bytes };
    expect(toBatches(['a', 'b', 'c', 'd', 'eeee', 'f'], limits)).toEqual([['a', 'b', 'c'], ['d'], ['eeee'], ['f']]);
    expect(toBatches(Array(100).fill(''), limits)).toHaveLength(1);
  });

  it('refuses limits it cannot honour', () => {
    expect(() => toBatches(['a'], { maxEntries: 0 })).toThrow('maxEntries must be a positive integer, got 0');
    expect(() => toBatches(['a'], { maxBytes: -1, bytesOf: bytes })).toThrow(RangeError);
    expect(() => toBatches(['a'], { maxBytes: 10 })).toThrow('maxBytes needs bytesOf');
  });
});
