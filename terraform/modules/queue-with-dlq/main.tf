# A consumed queue and its dead-letter queue (seed: SQS Queues; DECISIONS D).
locals {
  # Seed: every DLQ keeps messages for 14 days.
  dlq_message_retention_seconds = 1209600

  # 1 MiB, the largest message SQS takes and what the workers assume (SQS_MAX_MESSAGE_BYTES in
  # src/shared/aws/sqsLimits.ts; test/infra/queueMessageSize.test.ts keeps the two equal). Left
  # unset, AWS would make it 256 KiB and refuse larger messages the senders think fit.
  max_message_size = 1048576
}

resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name}-dlq"
  message_retention_seconds = local.dlq_message_retention_seconds
  max_message_size          = local.max_message_size
  sqs_managed_sse_enabled   = true
  tags                      = merge(var.tags, { Name = "${var.name_tag}-dlq" })
}

resource "aws_sqs_queue" "this" {
  name                       = var.name
  visibility_timeout_seconds = var.visibility_timeout_seconds
  message_retention_seconds  = var.message_retention_seconds
  max_message_size           = local.max_message_size
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })

  tags = merge(var.tags, { Name = var.name_tag })

  lifecycle {
    # A message must stay invisible while the consumer may still be working on it, or it is
    # delivered twice while the first delivery is running.
    precondition {
      condition     = var.visibility_timeout_seconds >= var.consumer_timeout_seconds + var.two_second_buffer + var.batching_window_seconds
      error_message = "Visibility timeout of ${var.name} (${var.visibility_timeout_seconds}s) is below its consumer's timeout (${var.consumer_timeout_seconds}s) + two_second_buffer (${var.two_second_buffer}s) + batching window (${var.batching_window_seconds}s)."
    }
  }
}

resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this.arn]
  })
}

data "aws_iam_policy_document" "publishers" {
  count = length(var.publishers) > 0 ? 1 : 0

  dynamic "statement" {
    for_each = var.publishers

    content {
      sid       = "AllowSendFromSource${statement.key}"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.this.arn]

      principals {
        type        = "Service"
        identifiers = [statement.value.service]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = [statement.value.source_arn]
      }
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  count = length(var.publishers) > 0 ? 1 : 0

  queue_url = aws_sqs_queue.this.id
  policy    = data.aws_iam_policy_document.publishers[0].json
}
