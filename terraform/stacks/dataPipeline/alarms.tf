# The stack's alarms, their SNS topic and its dashboard (docs/operations.md). Every function,
# queue, DLQ, stream mapping, state machine, pipe, rule and topic of the stack has one line here;
# test/infra/alarms.test.ts fails, naming it, when one is missing.
module "alarms" {
  source = "../../modules/alarms"

  topic_name         = local.names["reg-data-alarms"]
  topic_name_tag     = local.name_tags["reg-data-alarms"]
  dashboard_name     = local.names["reg-data-dashboard"]
  region             = module.tm_env.region
  runbook_url        = "${var.iac_repo}/-/blob/main/docs/runbooks.md"
  pagerduty_endpoint = var.alarm_pagerduty_endpoint
  slack_email        = var.alarm_slack_email

  period_seconds           = var.alarm_period_seconds
  evaluation_periods       = var.alarm_evaluation_periods
  datapoints_to_alarm      = var.alarm_datapoints_to_alarm
  error_rate_percent       = var.alarm_error_rate_percent
  duration_timeout_percent = var.alarm_duration_timeout_percent

  functions = {
    processData = { function_name = module.processData.function_name, timeout_seconds = module.processData.timeout }
    sendData    = { function_name = module.sendData.function_name, timeout_seconds = module.sendData.timeout }
  }

  queues = merge(
    { "data-queue" = { queue_name = module.data_queue.queue_name, oldest_message_seconds = var.alarm_data_queue_oldest_message_seconds } },
    { for type, tag in local.data_type_queues : tag => { queue_name = module.data_type_queues[type].queue_name, oldest_message_seconds = var.alarm_typed_queues_oldest_message_seconds } },
  )

  dlqs = merge(
    { "data-queue-dlq" = module.data_queue.dlq_name, "dmnd-table-pipe-dlq" = aws_sqs_queue.dmnd_table_pipe_dlq.name },
    { for type, tag in local.data_type_queues : "${tag}-dlq" => module.data_type_queues[type].dlq_name },
  )

  pipes = {
    "dmnd-table-pipe" = aws_pipes_pipe.dmnd_table.name
  }

  topics = {
    "data-sns" = aws_sns_topic.data.name
  }
}
