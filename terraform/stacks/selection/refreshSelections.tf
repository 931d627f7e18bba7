# refreshSelections: refresh-selection queue (written by Campaign Service when a market's
# presale changes) -> selectionRefresh messages on save-selection (seed: Selection stack;
# DECISIONS C [16]). A market too big for one invocation continues in a message to its own queue.
module "refreshSelections" {
  source = "../../modules/nodejs-lambda"

  function_name      = local.names["refresh-selections"]
  name_tag           = local.name_tags["refresh-selections"]
  description        = "Refreshes existing selections for a market"
  lambda_zip_path    = "${path.root}/../../../dist/${var.config_env}/refreshSelections.zip"
  timeout            = 30
  memory_size        = 256
  config_env         = local.config_env
  vpc_config         = local.lambda_vpc_config
  log_retention_days = var.log_retention_days
  otel_layer_arn     = var.otel_layer_arn

  environment_variables = {
    SERVICE_JWT_SECRET_ID       = var.service_jwt_secret_arn
    SAVE_SELECTION_QUEUE_URL    = module.save_selection_queue.queue_url
    REFRESH_SELECTION_QUEUE_URL = module.refresh_selection_queue.queue_url
  }

  policy_statements = [
    {
      sid       = "ConsumeRefreshSelectionQueue"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [module.refresh_selection_queue.queue_arn]
    },
    {
      sid       = "EnqueueSelectionRefreshes"
      actions   = ["sqs:SendMessage"]
      resources = [module.save_selection_queue.queue_arn]
    },
    {
      # The rest of a market that did not fit in one invocation (docs/selection.md).
      sid       = "ContinueLargeMarkets"
      actions   = ["sqs:SendMessage"]
      resources = [module.refresh_selection_queue.queue_arn]
    },
    {
      sid       = "ReadServiceJwtKey"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.service_jwt_secret_arn]
    },
  ]
}

module "refresh_selection_queue" {
  source = "../../modules/queue-with-dlq"

  name                       = local.names["refresh-selection"]
  name_tag                   = local.name_tags["refresh-selection"]
  max_receive_count          = 3
  visibility_timeout_seconds = module.refreshSelections.timeout + var.two_second_buffer
  consumer_timeout_seconds   = module.refreshSelections.timeout
  two_second_buffer          = var.two_second_buffer
}

resource "aws_lambda_event_source_mapping" "refresh_selections" {
  function_name           = module.refreshSelections.function_arn
  event_source_arn        = module.refresh_selection_queue.queue_arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
}

# What the stack's alarms watch for this worker (workers.tf gathers it into alarms.tf).
locals {
  refreshSelections_alarms = {
    queues = {
      "refresh-selection" = { queue_name = module.refresh_selection_queue.queue_name, oldest_message_seconds = var.alarm_refresh_selection_oldest_message_seconds }
    }
    dlqs = {
      "refresh-selection-dlq" = module.refresh_selection_queue.dlq_name
    }
  }
}
