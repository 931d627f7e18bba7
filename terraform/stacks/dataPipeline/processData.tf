# processData: data-queue (Campaign Service, other producers and the demand-table pipe) ->
# formatted records on data-sns with message attribute `type` (seed: Data Pipeline stack;
# DECISIONS C [18]).
module "processData" {
  source = "../../modules/nodejs-lambda"

  function_name      = local.names["process-data"]
  name_tag           = local.name_tags["process-data"]
  description        = "Formats and fans out data to type-specific queues via SNS"
  lambda_zip_path    = "${path.root}/../../../dist/${var.config_env}/processData.zip"
  timeout            = 30
  memory_size        = 256
  config_env         = local.config_env
  vpc_config         = local.lambda_vpc_config
  log_retention_days = var.log_retention_days
  otel_layer_arn     = var.otel_layer_arn

  environment_variables = {
    DATA_TOPIC_ARN = aws_sns_topic.data.arn
  }

  policy_statements = [
    {
      sid       = "ConsumeDataQueue"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [module.data_queue.queue_arn]
    },
    {
      sid       = "PublishToDataTopic"
      actions   = ["sns:Publish"]
      resources = [aws_sns_topic.data.arn]
    },
  ]
}

module "data_queue" {
  source = "../../modules/queue-with-dlq"

  name                       = local.names["data-queue"]
  name_tag                   = local.name_tags["data-queue"]
  max_receive_count          = 3
  visibility_timeout_seconds = module.processData.timeout + var.two_second_buffer
  consumer_timeout_seconds   = module.processData.timeout
  two_second_buffer          = var.two_second_buffer
}

resource "aws_lambda_event_source_mapping" "process_data" {
  function_name           = module.processData.function_arn
  event_source_arn        = module.data_queue.queue_arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
}

# What the stack's alarms watch for this worker (workers.tf gathers it into alarms.tf).
locals {
  processData_alarms = {
    queues = {
      "data-queue" = { queue_name = module.data_queue.queue_name, oldest_message_seconds = var.alarm_data_queue_oldest_message_seconds }
    }
    dlqs = {
      "data-queue-dlq" = module.data_queue.dlq_name
    }
  }
}
