# sendData: the five typed queues fed by data-sns -> Kafka over mTLS with the kafka-cert
# secret (seed: Data Pipeline stack; DECISIONS C [19]). One function, five mappings.
module "sendData" {
  source = "../../modules/nodejs-lambda"

  function_name      = local.names["send-data"]
  name_tag           = local.name_tags["send-data"]
  description        = "Validates against JSON schemas and publishes to Kafka"
  lambda_zip_path    = "${path.root}/../../../dist/${var.config_env}/sendData.zip"
  timeout            = 30
  memory_size        = 256
  config_env         = local.config_env
  vpc_config         = local.lambda_vpc_config
  log_retention_days = var.log_retention_days
  otel_layer_arn     = var.otel_layer_arn

  environment_variables = {
    KAFKA_CERT_SECRET_ID = aws_secretsmanager_secret.kafka_cert.arn
  }

  policy_statements = [
    {
      sid       = "ConsumeDataTypeQueues"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [for q in module.data_type_queues : q.queue_arn]
    },
    {
      # The worker delays the redelivery of failed messages (retry backoff, docs/reliability.md).
      sid       = "DelayFailedMessages"
      actions   = ["sqs:ChangeMessageVisibility"]
      resources = [for q in module.data_type_queues : q.queue_arn]
    },
    {
      sid       = "ReadKafkaCert"
      actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
      resources = [aws_secretsmanager_secret.kafka_cert.arn]
    },
  ]
}

# One queue per data type, keyed by the `type` value data-sns filters on.
module "data_type_queues" {
  source   = "../../modules/queue-with-dlq"
  for_each = local.data_type_queues

  name                       = local.names[each.value]
  name_tag                   = local.name_tags[each.value]
  max_receive_count          = 3
  visibility_timeout_seconds = module.sendData.timeout + var.two_second_buffer
  consumer_timeout_seconds   = module.sendData.timeout
  two_second_buffer          = var.two_second_buffer

  publishers = [
    {
      service    = "sns.amazonaws.com"
      source_arn = aws_sns_topic.data.arn
    },
  ]
}

resource "aws_lambda_event_source_mapping" "send_data" {
  for_each = module.data_type_queues

  function_name           = module.sendData.function_arn
  event_source_arn        = each.value.queue_arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
}

# What the stack's alarms watch for this worker (workers.tf gathers it into alarms.tf).
locals {
  sendData_alarms = {
    queues = { for type, tag in local.data_type_queues : tag => { queue_name = module.data_type_queues[type].queue_name, oldest_message_seconds = var.alarm_typed_queues_oldest_message_seconds } }
    dlqs   = { for type, tag in local.data_type_queues : "${tag}-dlq" => module.data_type_queues[type].dlq_name }
  }
}
