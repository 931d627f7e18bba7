# markAssignedCodes: demand-table stream (registrations whose codes changed) -> Code Service
# assign (seed: Selection stack; DECISIONS C [17]).
module "markAssignedCodes" {
  source = "../../modules/nodejs-lambda"

  function_name      = local.names["mark-assigned-codes"]
  name_tag           = local.name_tags["mark-assigned-codes"]
  description        = "Marks codes as assigned in Code Service"
  lambda_zip_path    = "${path.root}/../../../dist/${var.config_env}/markAssignedCodes.zip"
  timeout            = 30
  memory_size        = 256
  config_env         = local.config_env
  vpc_config         = local.lambda_vpc_config
  log_retention_days = var.log_retention_days
  otel_layer_arn     = var.otel_layer_arn

  environment_variables = {
    SERVICE_JWT_SECRET_ID = var.service_jwt_secret_arn
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
      resources = [aws_sqs_queue.mark_assigned_codes_dlq.arn]
    },
    {
      sid       = "ReadServiceJwtKey"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.service_jwt_secret_arn]
    },
  ]
}

# On-failure destination of the stream mapping: batches that still fail after the retries.
resource "aws_sqs_queue" "mark_assigned_codes_dlq" {
  name                      = local.names["mark-assigned-codes-dlq"]
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true

  tags = {
    Name = local.name_tags["mark-assigned-codes-dlq"]
  }
}

resource "aws_lambda_event_source_mapping" "mark_assigned_codes" {
  function_name                      = module.markAssignedCodes.function_arn
  event_source_arn                   = var.demand_table_stream_arn
  starting_position                  = "LATEST"
  batch_size                         = 500
  maximum_batching_window_in_seconds = var.batching_window
  bisect_batch_on_function_error     = true
  maximum_retry_attempts             = 3
  function_response_types            = ["ReportBatchItemFailures"]

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.mark_assigned_codes_dlq.arn
    }
  }

  # A registration changed while it holds codes ({ id, marketId } maps in a list). `exists`
  # only matches leaf values, hence the path down to the code id string; the worker diffs old
  # and new codes and ignores changes that added none.
  filter_criteria {
    filter {
      pattern = jsonencode({
        data = {
          eventName = ["MODIFY"]
          dynamodb = {
            NewImage = {
              type  = { S = ["registration"] }
              codes = { L = { M = { id = { S = [{ exists = true }] } } } }
            }
          }
        }
      })
    }
  }
}

# What the stack's alarms watch for this worker (workers.tf gathers it into alarms.tf).
locals {
  markAssignedCodes_alarms = {
    queues = {}
    dlqs = {
      "mark-assigned-codes-dlq" = aws_sqs_queue.mark_assigned_codes_dlq.name
    }
  }
}
