# retryScore: retry-score queue (written by Entry Service when it could not score a fan) ->
# Entry Service refreshScores (seed: Replication stack; DECISIONS C [12]).
module "retryScore" {
  source = "../../modules/nodejs-lambda"

  function_name      = local.names["retry-score"]
  name_tag           = local.name_tags["retry-score"]
  description        = "Refreshes user scores in Entry Service after failures"
  lambda_zip_path    = "${path.root}/../../../dist/${var.config_env}/retryScore.zip"
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
      sid       = "ConsumeRetryScoreQueue"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [module.retry_score_queue.queue_arn]
    },
    {
      sid       = "ReadServiceJwtKey"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.service_jwt_secret_arn]
    },
  ]
}

module "retry_score_queue" {
  source = "../../modules/queue-with-dlq"

  name                       = local.names["retry-score"]
  name_tag                   = local.name_tags["retry-score"]
  max_receive_count          = 3
  visibility_timeout_seconds = module.retryScore.timeout + var.two_second_buffer
  consumer_timeout_seconds   = module.retryScore.timeout
  two_second_buffer          = var.two_second_buffer
}

resource "aws_lambda_event_source_mapping" "retry_score" {
  function_name           = module.retryScore.function_arn
  event_source_arn        = module.retry_score_queue.queue_arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
}

# What the stack's alarms watch for this worker (workers.tf gathers it into alarms.tf).
locals {
  retryScore_alarms = {
    queues = {
      "retry-score" = { queue_name = module.retry_score_queue.queue_name, oldest_message_seconds = var.alarm_retry_score_oldest_message_seconds }
    }
    dlqs = {
      "retry-score-dlq" = module.retry_score_queue.dlq_name
    }
  }
}
