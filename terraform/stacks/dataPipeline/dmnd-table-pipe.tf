# dmnd-table-pipe: registrations from the demand-table stream to data-queue, so they reach
# Kafka through processData. Kinesis source (Kinesis Data Streams for DynamoDB); each record
# becomes { "type": "registration", "data": <the whole change record> }: eventName, both images
# in attribute-value form and ApproximateCreationDateTime, which processData unmarshalls
# (DECISIONS C [18]). The whole record is sent so that a REMOVE (matched on its OldImage) is
# published with isDeleted: true, and a MODIFY that drops a market retracts that market's
# registeredMarket (DOMAIN 5.3). Failed batches go to dmnd-table-pipe-dlq.
resource "aws_sqs_queue" "dmnd_table_pipe_dlq" {
  name                      = local.names["dmnd-table-pipe-dlq"]
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true

  tags = {
    Name = local.name_tags["dmnd-table-pipe-dlq"]
  }
}

data "aws_iam_policy_document" "dmnd_table_pipe_assume" {
  statement {
    sid     = "PipesAssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["pipes.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [module.account.account_id]
    }
  }
}

resource "aws_iam_role" "dmnd_table_pipe" {
  name               = "${local.names["dmnd-table-pipe"]}-role"
  description        = "Role of the demand-table pipe"
  assume_role_policy = data.aws_iam_policy_document.dmnd_table_pipe_assume.json

  tags = {
    Name = local.name_tags["dmnd-table-pipe"]
  }
}

data "aws_iam_policy_document" "dmnd_table_pipe" {
  statement {
    sid = "ReadDemandTableStream"
    actions = [
      "kinesis:DescribeStream",
      "kinesis:DescribeStreamSummary",
      "kinesis:GetShardIterator",
      "kinesis:GetRecords",
      "kinesis:ListShards",
    ]
    resources = [var.demand_table_stream_arn]
  }

  statement {
    sid       = "SendToDataQueue"
    actions   = ["sqs:SendMessage"]
    resources = [module.data_queue.queue_arn]
  }

  statement {
    sid       = "SendFailedBatchesToDlq"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dmnd_table_pipe_dlq.arn]
  }
}

resource "aws_iam_role_policy" "dmnd_table_pipe" {
  name   = "stream-to-data-queue"
  role   = aws_iam_role.dmnd_table_pipe.id
  policy = data.aws_iam_policy_document.dmnd_table_pipe.json
}

resource "aws_pipes_pipe" "dmnd_table" {
  name          = local.names["dmnd-table-pipe"]
  description   = "Demand-table registrations to data-queue"
  role_arn      = aws_iam_role.dmnd_table_pipe.arn
  source        = var.demand_table_stream_arn
  target        = module.data_queue.queue_arn
  desired_state = "RUNNING"

  source_parameters {
    kinesis_stream_parameters {
      starting_position                  = "LATEST"
      batch_size                         = 100
      maximum_batching_window_in_seconds = var.batching_window
      maximum_retry_attempts             = 3
      on_partial_batch_item_failure      = "AUTOMATIC_BISECT"

      dead_letter_config {
        arn = aws_sqs_queue.dmnd_table_pipe_dlq.arn
      }
    }

    filter_criteria {
      # A registration written or changed.
      filter {
        pattern = jsonencode({
          data = {
            eventName = ["INSERT", "MODIFY"]
            dynamodb = {
              NewImage = {
                type = { S = ["registration"] }
              }
            }
          }
        })
      }

      # A registration deleted: there is no NewImage, so match the OldImage.
      filter {
        pattern = jsonencode({
          data = {
            eventName = ["REMOVE"]
            dynamodb = {
              OldImage = {
                type = { S = ["registration"] }
              }
            }
          }
        })
      }
    }
  }

  target_parameters {
    input_template = "{ \"type\": \"registration\", \"data\": <$.data> }"
  }

  tags = {
    Name = local.name_tags["dmnd-table-pipe"]
  }

  depends_on = [aws_iam_role_policy.dmnd_table_pipe]
}
