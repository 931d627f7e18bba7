# upsertUsers: user-info events (EventBridge rule) -> user-info queue -> batch upsert to User
# Service (seed: Registration stack; user-info maxReceiveCount 2).
module "upsertUsers" {
  source = "../../modules/nodejs-lambda"

  function_name      = local.names["upsert-users"]
  name_tag           = local.name_tags["upsert-users"]
  description        = "Batch upsert user info to User Service"
  lambda_zip_path    = "${path.root}/../../../dist/${var.config_env}/upsertUsers.zip"
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
      sid       = "ConsumeUserInfoQueue"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [module.user_info_queue.queue_arn]
    },
    {
      # The worker delays the redelivery of failed messages (retry backoff, docs/reliability.md).
      sid       = "DelayFailedMessages"
      actions   = ["sqs:ChangeMessageVisibility"]
      resources = [module.user_info_queue.queue_arn]
    },
    {
      sid       = "ReadServiceJwtKey"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.service_jwt_secret_arn]
    },
  ]
}

module "user_info_queue" {
  source = "../../modules/queue-with-dlq"

  name                       = local.names["user-info"]
  name_tag                   = local.name_tags["user-info"]
  max_receive_count          = 2
  visibility_timeout_seconds = module.upsertUsers.timeout + var.two_second_buffer
  consumer_timeout_seconds   = module.upsertUsers.timeout
  two_second_buffer          = var.two_second_buffer

  publishers = [
    {
      service    = "events.amazonaws.com"
      source_arn = aws_cloudwatch_event_rule.user_info.arn
    },
  ]
}

resource "aws_lambda_event_source_mapping" "upsert_users" {
  function_name           = module.upsertUsers.function_arn
  event_source_arn        = module.user_info_queue.queue_arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
}

# The rule targets the queue directly, so each message body is an EventBridge envelope with the
# user in `detail` (DECISIONS C [11]).
resource "aws_cloudwatch_event_rule" "user_info" {
  name           = local.names["user-info"]
  description    = "User info events to the user-info queue (upsertUsers)"
  event_bus_name = var.user_info_event_bus_name

  event_pattern = jsonencode({
    source        = var.user_info_event_sources
    "detail-type" = var.user_info_detail_types
  })

  tags = {
    Name = local.name_tags["user-info"]
  }
}

resource "aws_cloudwatch_event_target" "user_info" {
  rule           = aws_cloudwatch_event_rule.user_info.name
  event_bus_name = var.user_info_event_bus_name
  target_id      = "user-info-queue"
  arn            = module.user_info_queue.queue_arn
}

# What the stack's alarms watch for this worker (workers.tf gathers it into alarms.tf).
locals {
  upsertUsers_alarms = {
    queues = {
      "user-info" = { queue_name = module.user_info_queue.queue_name, oldest_message_seconds = var.alarm_user_info_oldest_message_seconds }
    }
    dlqs = {
      "user-info-dlq" = module.user_info_queue.dlq_name
    }
  }
}
