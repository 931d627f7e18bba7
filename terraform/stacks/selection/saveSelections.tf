# saveSelections: save-selection queue -> a claim of the fan's one code per market, Entry Service
# code assignment, then one conditional verdict update per fan on the demand table (seed:
# Selection stack; DECISIONS C [15]). A selection that loses the claim releases its code in Code
# Service.
module "saveSelections" {
  source = "../../modules/nodejs-lambda"

  function_name      = local.names["save-selections"]
  name_tag           = local.name_tags["save-selections"]
  description        = "Assigns codes via Entry Service, updates verdicts"
  lambda_zip_path    = "${path.root}/../../../dist/${var.config_env}/saveSelections.zip"
  timeout            = 30
  memory_size        = 256
  config_env         = local.config_env
  vpc_config         = local.lambda_vpc_config
  log_retention_days = var.log_retention_days
  otel_layer_arn     = var.otel_layer_arn

  environment_variables = {
    SERVICE_JWT_SECRET_ID      = var.service_jwt_secret_arn
    VERDICT_REPORTER_QUEUE_URL = var.verdict_reporter_queue_url
  }

  policy_statements = [
    {
      sid       = "ConsumeSaveSelectionQueue"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [module.save_selection_queue.queue_arn]
    },
    {
      # The worker delays the redelivery of failed messages (retry backoff, docs/reliability.md).
      sid       = "DelayFailedMessages"
      actions   = ["sqs:ChangeMessageVisibility"]
      resources = [module.save_selection_queue.queue_arn]
    },
    {
      # Reads the winners' entries, claims each fan's one code per market (PutItem of a
      # codeClaim item), then writes the verdict (docs/selection.md).
      sid       = "ReadEntriesClaimCodesWriteVerdicts"
      actions   = ["dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
      resources = [local.demand_table_arn]
    },
    {
      # Left out (empty resources) when verdict_reporter_queue_url is empty.
      sid       = "ReportVerdicts"
      actions   = ["sqs:SendMessage"]
      resources = compact([local.verdict_reporter_queue_arn])
    },
    {
      sid       = "ReadServiceJwtKey"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.service_jwt_secret_arn]
    },
  ]
}

module "save_selection_queue" {
  source = "../../modules/queue-with-dlq"

  name                       = local.names["save-selection"]
  name_tag                   = local.name_tags["save-selection"]
  max_receive_count          = 3
  visibility_timeout_seconds = module.saveSelections.timeout + var.two_second_buffer
  consumer_timeout_seconds   = module.saveSelections.timeout
  two_second_buffer          = var.two_second_buffer
}

resource "aws_lambda_event_source_mapping" "save_selections" {
  function_name           = module.saveSelections.function_arn
  event_source_arn        = module.save_selection_queue.queue_arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
}

# What the stack's alarms watch for this worker (workers.tf gathers it into alarms.tf).
locals {
  saveSelections_alarms = {
    queues = {
      "save-selection" = { queue_name = module.save_selection_queue.queue_name, oldest_message_seconds = var.alarm_save_selection_oldest_message_seconds }
    }
    dlqs = {
      "save-selection-dlq" = module.save_selection_queue.dlq_name
    }
  }
}
