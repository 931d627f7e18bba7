/**
 * The one SQS size limit the workers assume: 1 MiB (1,048,576 bytes) for one message body and for
 * the bodies of one SendMessageBatch request summed.
 *
 * A queue only takes messages up to its own MaximumMessageSize, whose AWS default is 256 KiB, so
 * every queue of the stacks sets max_message_size to this value (terraform/modules/queue-with-dlq,
 * local `max_message_size`). test/infra/queueMessageSize.test.ts fails when the Terraform and this
 * constant disagree; the local runtime creates its queues with the Terraform's value, so a message
 * between the two limits is refused locally as it would be in AWS.
 */
export const SQS_MAX_MESSAGE_BYTES = 1024 * 1024;
