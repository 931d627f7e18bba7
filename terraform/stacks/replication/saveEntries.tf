# saveEntries: save-entries queue -> Entry Service, then clears needsReplication on the
# demand-table item (seed: Replication stack; DECISIONS C [6][7][8]).
module "saveEntries" {
  source = "../../modules/nodejs-lambda"

  function_name      = local.names["save-entries"]
  name_tag           = local.name_tags["save-entries"]
  description        = "Replicates entries to Entry Service MongoDB"
  lambda_zip_path    = "${path.root}/../../../dist/${var.config_env}/saveEntries.zip"
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
      sid       = "ConsumeSaveEntriesQueue"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [module.save_entries_queue.queue_arn]
    },
    {
      # The worker delays the redelivery of failed messages (retry backoff, docs/reliability.md).
      sid       = "DelayFailedMessages"
      actions   = ["sqs:ChangeMessageVisibility"]
      resources = [module.save_entries_queue.queue_arn]
    },
    {
      sid       = "CheckAndClearReplicationFlag"
      actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
      resources = [local.demand_table_arn]
    },
    {
      sid       = "ReadServiceJwtKey"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.service_jwt_secret_arn]
    },
  ]
}

module "save_entries_queue" {
  source = "../../modules/queue-with-dlq"

  name                       = local.names["save-entries"]
  name_tag                   = local.name_tags["save-entries"]
  max_receive_count          = 3
  visibility_timeout_seconds = module.saveEntries.timeout + var.two_second_buffer
  consumer_timeout_seconds   = module.saveEntries.timeout
  two_second_buffer          = var.two_second_buffer
}

resource "aws_lambda_event_source_mapping" "save_entries" {
  function_name           = module.saveEntries.function_arn
  event_source_arn        = module.save_entries_queue.queue_arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
}

# What the stack's alarms watch for this worker (workers.tf gathers it into alarms.tf).
locals {
  saveEntries_alarms = {
    queues = {
      "save-entries" = { queue_name = module.save_entries_queue.queue_name, oldest_message_seconds = var.alarm_save_entries_oldest_message_seconds }
    }
    dlqs = {
      "save-entries-dlq" = module.save_entries_queue.dlq_name
    }
  }
}
