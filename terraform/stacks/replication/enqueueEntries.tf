# enqueueEntries: demand-table stream -> save-entries queue (seed: Replication stack;
# DECISIONS C [4][5]). The stream is Kinesis Data Streams for DynamoDB, so the filters match
# the decoded `data` of each Kinesis record.
module "enqueueEntries" {
  source = "../../modules/nodejs-lambda"

  function_name      = local.names["enqueue-entries"]
  name_tag           = local.name_tags["enqueue-entries"]
  description        = "Filters entries needing replication, queues to saveEntriesQueue"
  lambda_zip_path    = "${path.root}/../../../dist/${var.config_env}/enqueueEntries.zip"
  timeout            = 30
  memory_size        = 256
  config_env         = local.config_env
  vpc_config         = local.lambda_vpc_config
  log_retention_days = var.log_retention_days
  otel_layer_arn     = var.otel_layer_arn

  environment_variables = {
    SAVE_ENTRIES_QUEUE_URL = module.save_entries_queue.queue_url
  }

  policy_statements = [
    {
      sid = "ReadDemandTableStream"
      actions = [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetShardIterator",
        "kinesis:GetRecords",
        "kinesis:ListShards",
        "kinesis:ListStreams",
      ]
      resources = [var.demand_table_stream_arn]
    },
    {
      sid       = "SendFailedBatchesToDlq"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.enqueue_entries_dlq.arn]
    },
    {
      sid       = "EnqueueSaveEntries"
      actions   = ["sqs:SendMessage"]
      resources = [module.save_entries_queue.queue_arn]
    },
  ]
}

# On-failure destination of the stream mapping: batches that still fail after the retries.
resource "aws_sqs_queue" "enqueue_entries_dlq" {
  name                      = local.names["enqueue-entries-dlq"]
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true

  tags = {
    Name = local.name_tags["enqueue-entries-dlq"]
  }
}

resource "aws_lambda_event_source_mapping" "enqueue_entries" {
  function_name                      = module.enqueueEntries.function_arn
  event_source_arn                   = var.demand_table_stream_arn
  starting_position                  = "LATEST"
  batch_size                         = 500
  maximum_batching_window_in_seconds = var.batching_window
  bisect_batch_on_function_error     = true
  maximum_retry_attempts             = 3
  function_response_types            = ["ReportBatchItemFailures"]

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.enqueue_entries_dlq.arn
    }
  }

  # Filters are ORed. `exists` only matches leaf values, hence `.S` under fanModified (an ISO
  # string in attribute-value form).
  filter_criteria {
    # A registration written or changed with a fan edit date.
    filter {
      pattern = jsonencode({
        data = {
          eventName = ["INSERT", "MODIFY"]
          dynamodb = {
            NewImage = {
              type = { S = ["registration"] }
              date = { M = { fanModified = { S = [{ exists = true }] } } }
            }
          }
        }
      })
    }

    # A registration deleted.
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

# What the stack's alarms watch for this worker (workers.tf gathers it into alarms.tf).
locals {
  enqueueEntries_alarms = {
    queues = {}
    dlqs = {
      "enqueue-entries-dlq" = aws_sqs_queue.enqueue_entries_dlq.name
    }
  }
}
