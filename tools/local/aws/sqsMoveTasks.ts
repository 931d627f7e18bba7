/**
 * The SQS calls operators make on dead-letter queues, which fauxqs lacks, done on top of it with
 * ordinary SQS calls: `ListDeadLetterSourceQueues`, and the DLQ redrive API
 * (`StartMessageMoveTask`, `ListMessageMoveTasks`, `CancelMessageMoveTask`).
 *
 * A move task receives from the dead-letter queue, sends each message (body and attributes) to
 * its destination, and deletes it from the dead-letter queue only once that send succeeded; a
 * message whose send failed stays and comes back after the visibility timeout, so nothing is
 * lost and, unless a delete fails after a send, nothing is sent twice. It moves the messages the
 * queue held when the task started (`ApproximateNumberOfMessagesToMove`), at most
 * `MaxNumberOfMessagesPerSecond` a second, and ends COMPLETED, CANCELLED or FAILED (with
 * `FailureReason`), as SQS's does.
 *
 * Where it differs from SQS: without `DestinationArn` AWS moves each message back to the queue it
 * was dead-lettered from; fauxqs does not record that, so the destination is the one queue whose
 * redrive policy names the dead-letter queue, and a dead-letter queue of several queues needs
 * `DestinationArn` (every queue of this system has its own DLQ). Standard queues only.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

type Status = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

interface MoveTask {
  TaskHandle: string;
  Status: Status;
  SourceArn: string;
  DestinationArn?: string;
  MaxNumberOfMessagesPerSecond?: number;
  ApproximateNumberOfMessagesMoved: number;
  ApproximateNumberOfMessagesToMove: number;
  FailureReason?: string;
  StartedTimestamp: number;
}

/** An SQS error in the JSON protocol's terms, for the edge to answer with. */
export class SqsCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class SqsMoveTasks {
  private readonly tasks: MoveTask[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly sqs: SQSClient,
    /** The queue URL of a queue ARN on the SQS endpoint `sqs` talks to. */
    private readonly queueUrlOfArn: (arn: string) => string,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {}

  /** The calls this class answers, by action name; undefined for every other action. */
  handler(action: string): ((input: Record<string, unknown>) => Promise<Record<string, unknown>>) | undefined {
    switch (action) {
      case 'ListDeadLetterSourceQueues':
        return (input) => this.listDeadLetterSourceQueues(String(input.QueueUrl ?? ''));
      case 'StartMessageMoveTask':
        return (input) => this.start(input);
      case 'ListMessageMoveTasks':
        return async (input) => this.list(String(input.SourceArn ?? ''), Number(input.MaxResults ?? 1));
      case 'CancelMessageMoveTask':
        return async (input) => this.cancel(String(input.TaskHandle ?? ''));
      default:
        return undefined;
    }
  }

  /** Waits for every running task to end (after cancelling them). */
  async stop(): Promise<void> {
    for (const task of this.tasks) {
      if (task.Status === 'RUNNING') {
        task.Status = 'CANCELLING';
      }
    }
    await Promise.all(this.running);
  }

  private async attributes(url: string, names: string[]): Promise<Record<string, string>> {
    return (
      (await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names as never })))
        .Attributes ?? {}
    );
  }

  /** Every queue (URL and ARN) whose redrive policy names `dlqArn`. */
  private async sourcesOf(dlqArn: string): Promise<{ url: string; arn: string }[]> {
    const urls: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.sqs.send(new ListQueuesCommand({ MaxResults: 1000, NextToken }));
      urls.push(...(page.QueueUrls ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    const sources: { url: string; arn: string }[] = [];
    for (const url of urls) {
      const { RedrivePolicy, QueueArn = '' } = await this.attributes(url, ['RedrivePolicy', 'QueueArn']);
      if (
        RedrivePolicy &&
        (JSON.parse(RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn === dlqArn
      ) {
        sources.push({ url, arn: QueueArn });
      }
    }
    return sources;
  }

  private async listDeadLetterSourceQueues(queueUrl: string): Promise<Record<string, unknown>> {
    const { QueueArn = '' } = await this.attributes(queueUrl, ['QueueArn']);
    return { queueUrls: (await this.sourcesOf(QueueArn)).map((s) => s.url) };
  }

  private async start(input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const sourceArn = String(input.SourceArn ?? '');
    if (!/^arn:aws:sqs:[^:]+:\d{12}:[\w-]{1,80}$/.test(sourceArn)) {
      throw new SqsCallError(
        'InvalidParameterValue',
        `SourceArn must be an SQS queue ARN, got ${JSON.stringify(sourceArn)}`,
      );
    }
    const rate =
      input.MaxNumberOfMessagesPerSecond === undefined ? undefined : Number(input.MaxNumberOfMessagesPerSecond);
    if (rate !== undefined && !(Number.isInteger(rate) && rate >= 1 && rate <= 500)) {
      throw new SqsCallError('InvalidParameterValue', 'MaxNumberOfMessagesPerSecond must be an integer from 1 to 500');
    }
    const sourceUrl = this.queueUrlOfArn(sourceArn);
    const { ApproximateNumberOfMessages = '0' } = await this.attributes(sourceUrl, ['ApproximateNumberOfMessages']);
    let destinationArn = input.DestinationArn === undefined ? undefined : String(input.DestinationArn);
    if (destinationArn !== undefined) {
      await this.attributes(this.queueUrlOfArn(destinationArn), ['QueueArn']);
    } else {
      const sources = await this.sourcesOf(sourceArn);
      if (sources.length === 0) {
        throw new SqsCallError(
          'InvalidParameterValue',
          `Source queue must be configured as a Dead Letter Queue: no queue's redrive policy names ${sourceArn}`,
        );
      }
      if (sources.length > 1) {
        throw new SqsCallError(
          'InvalidParameterValue',
          `${sourceArn} is the dead-letter queue of ${sources.length} queues (${sources.map((s) => s.arn).join(', ')}); the local endpoint cannot tell which a message came from: pass DestinationArn`,
        );
      }
      destinationArn = sources[0].arn;
    }
    if (this.tasks.some((t) => t.SourceArn === sourceArn && (t.Status === 'RUNNING' || t.Status === 'CANCELLING'))) {
      throw new SqsCallError('InvalidParameterValue', `There is already a task running for ${sourceArn}`);
    }
    const task: MoveTask = {
      TaskHandle: Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn })).toString('base64'),
      Status: 'RUNNING',
      SourceArn: sourceArn,
      ...(input.DestinationArn !== undefined ? { DestinationArn: destinationArn } : {}),
      ...(rate !== undefined ? { MaxNumberOfMessagesPerSecond: rate } : {}),
      ApproximateNumberOfMessagesMoved: 0,
      ApproximateNumberOfMessagesToMove: Number(ApproximateNumberOfMessages),
      StartedTimestamp: Date.now(),
    };
    this.tasks.unshift(task);
    const run = this.move(task, sourceUrl, this.queueUrlOfArn(destinationArn)).catch((error: Error) => {
      task.Status = 'FAILED';
      task.FailureReason = error.message;
      this.onError(new Error(`message move task from ${sourceArn} failed: ${error.message}`));
    });
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return { TaskHandle: task.TaskHandle };
  }

  private async move(task: MoveTask, sourceUrl: string, destinationUrl: string): Promise<void> {
    const started = Date.now();
    let failedSends = 0;
    while (
      task.Status === 'RUNNING' &&
      task.ApproximateNumberOfMessagesMoved < task.ApproximateNumberOfMessagesToMove
    ) {
      const left = task.ApproximateNumberOfMessagesToMove - task.ApproximateNumberOfMessagesMoved;
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: sourceUrl,
          MaxNumberOfMessages: Math.min(10, left, task.MaxNumberOfMessagesPerSecond ?? 10),
          MessageAttributeNames: ['All'],
          VisibilityTimeout: 30,
          WaitTimeSeconds: 0,
        }),
      );
      if (Messages.length === 0) {
        const { ApproximateNumberOfMessages = '0', ApproximateNumberOfMessagesNotVisible = '0' } =
          await this.attributes(sourceUrl, ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible']);
        if (ApproximateNumberOfMessages === '0' && ApproximateNumberOfMessagesNotVisible === '0') {
          break; // fewer left than counted at the start (consumed or purged meanwhile)
        }
        await sleep(200); // messages in flight come back after their visibility timeout
        continue;
      }
      const sent = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: destinationUrl,
          Entries: Messages.map((m, i) => ({
            Id: String(i),
            MessageBody: m.Body ?? '',
            MessageAttributes: m.MessageAttributes,
          })),
        }),
      );
      const ok = (sent.Successful ?? []).map((s) => Messages[Number(s.Id)]);
      if (ok.length > 0) {
        await this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: sourceUrl,
            Entries: ok.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
      task.ApproximateNumberOfMessagesMoved += ok.length;
      failedSends += (sent.Failed ?? []).length;
      if (failedSends > 0 && ok.length === 0) {
        throw new Error(
          `the destination refused ${failedSends} message(s): ${(sent.Failed ?? []).map((f) => `${f.Code}: ${f.Message}`).join('; ')}`,
        );
      }
      if (task.MaxNumberOfMessagesPerSecond) {
        const due = started + (task.ApproximateNumberOfMessagesMoved / task.MaxNumberOfMessagesPerSecond) * 1000;
        await sleep(Math.max(0, due - Date.now()));
      }
    }
    task.Status = task.Status === 'CANCELLING' ? 'CANCELLED' : 'COMPLETED';
  }

  private list(sourceArn: string, maxResults: number): Record<string, unknown> {
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 10) {
      throw new SqsCallError('InvalidParameterValue', 'MaxResults must be an integer from 1 to 10');
    }
    const results = this.tasks
      .filter((t) => t.SourceArn === sourceArn)
      .slice(0, maxResults)
      // SQS gives the handle of a running task only.
      .map(({ TaskHandle, ...task }) => (task.Status === 'RUNNING' ? { TaskHandle, ...task } : task));
    return { Results: results };
  }

  private cancel(handle: string): Record<string, unknown> {
    const task = this.tasks.find((t) => t.TaskHandle === handle);
    if (!task) {
      throw new SqsCallError(
        'ResourceNotFoundException',
        'The resource that you requested does not exist: no such TaskHandle',
      );
    }
    if (task.Status !== 'RUNNING') {
      throw new SqsCallError(
        'InvalidParameterValue',
        `Only a RUNNING task can be cancelled; this one is ${task.Status}`,
      );
    }
    task.Status = 'CANCELLING';
    return { ApproximateNumberOfMessagesMoved: task.ApproximateNumberOfMessagesMoved };
  }
}
