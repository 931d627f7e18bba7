/**
 * The queues' max_message_size and the workers' SQS size assumption are one number:
 * SQS_MAX_MESSAGE_BYTES (src/shared/aws/sqsLimits.ts, 1 MiB) is what enqueueEntries plans its
 * messages and requests with, and every queue that carries messages is created with it
 * (terraform/modules/queue-with-dlq). A queue left at AWS's 256 KiB default would refuse the
 * 256 KiB-1 MiB messages the workers think fit. Read from the stacks as the local runtime reads
 * them, with max_message_size unset counting as AWS's 256 KiB.
 */
import { SQS_MAX_MESSAGE_BYTES } from '../../src/shared/aws/sqsLimits';
import { loadWiring, localResolver } from '../../tools/local/wiring/load';
import type { WiringModel } from '../../tools/local/wiring/model';
import { localStackVariables, placeholderVariables } from '../../tools/local/wiring/variables';
import { TERRAFORM_DIR } from './hcl';

let model: WiringModel;

beforeAll(async () => {
  const variables = placeholderVariables();
  model = await loadWiring({
    terraformDir: TERRAFORM_DIR,
    variables: (stack) => localStackVariables(TERRAFORM_DIR, stack, variables),
    resolver: localResolver({ region: 'us-east-1', accountId: '000000000000', queueUrl: (name) => `http://127.0.0.1:4566/000000000000/${name}` }),
  });
});

/**
 * Queues that only receive Lambda's and Pipes' failure records (on-failure destinations of stream
 * mappings, pipe dead-letter queues): a few hundred bytes of metadata (shard, sequence numbers),
 * never a worker's message, so they keep AWS's default size.
 */
function failureRecordQueues(): Set<string> {
  return new Set([
    ...model.mappings.flatMap((m) => (m.kind === 'stream' && m.onFailureDestinationArn ? [m.onFailureDestinationArn] : [])),
    ...model.pipes.flatMap((p) => (p.deadLetterArn ? [p.deadLetterArn] : [])),
  ]);
}

describe('SQS message size', () => {
  it('is 1 MiB in the code, the most SQS allows', () => {
    expect(SQS_MAX_MESSAGE_BYTES).toBe(1048576);
  });

  it('every queue that carries messages takes SQS_MAX_MESSAGE_BYTES (module queues and their DLQs)', () => {
    const failureOnly = failureRecordQueues();
    const carrying = model.queues.filter((q) => !failureOnly.has(q.arn));
    expect(carrying.length).toBeGreaterThanOrEqual(22);
    expect(carrying.filter((q) => q.maxMessageSizeBytes !== SQS_MAX_MESSAGE_BYTES).map((q) => `${q.name}: ${q.maxMessageSizeBytes}`)).toEqual([]);
  });

  it('so do the queues the workers send to (save-entries, save-selection, refresh-selection)', () => {
    const senders = model.functions.flatMap((f) =>
      Object.entries(f.environment)
        .filter(([key]) => key.endsWith('_QUEUE_URL'))
        .map(([, url]) => url),
    );
    const sentTo = model.queues.filter((q) => senders.includes(q.url));
    expect(sentTo.map((q) => q.name.replace(/^.*-us-east-1-/, '')).sort()).toEqual(['refresh-selection', 'save-entries', 'save-selection']);
    expect(sentTo.map((q) => ({ queue: q.name, bytes: q.maxMessageSizeBytes }))).toEqual(
      sentTo.map((q) => ({ queue: q.name, bytes: SQS_MAX_MESSAGE_BYTES })),
    );
  });

  it('failure-record queues receive nothing else (no consumer, subscription, redrive or sender)', () => {
    const failureOnly = failureRecordQueues();
    expect(failureOnly.size).toBeGreaterThan(0);
    const otherUses = new Set([
      ...model.mappings.flatMap((m) => (m.kind === 'sqs' ? [m.queueArn] : [])),
      ...model.subscriptions.map((s) => s.endpoint),
      ...model.queues.flatMap((q) => (q.redrive ? [q.redrive.deadLetterTargetArn] : [])),
      ...model.pipes.map((p) => p.targetArn),
      ...model.rules.flatMap((r) => r.targets.map((t) => t.arn)),
    ]);
    const urls = new Set(model.functions.flatMap((f) => Object.values(f.environment)));
    const misused = model.queues.filter((q) => failureOnly.has(q.arn) && (otherUses.has(q.arn) || urls.has(q.url)));
    expect(misused.map((q) => q.name)).toEqual([]);
  });
});
