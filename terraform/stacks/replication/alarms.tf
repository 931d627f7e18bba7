# The stack's alarms, their SNS topic and its dashboard (docs/operations.md). Every function,
# queue, DLQ, stream mapping, state machine, pipe, rule and topic of the stack has one line here;
# test/infra/alarms.test.ts fails, naming it, when one is missing.
module "alarms" {
  source = "../../modules/alarms"

  topic_name         = local.names["reg-replica-alarms"]
  topic_name_tag     = local.name_tags["reg-replica-alarms"]
  dashboard_name     = local.names["reg-replica-dashboard"]
  region             = module.tm_env.region
  runbook_url        = "${var.iac_repo}/-/blob/main/docs/runbooks.md"
  pagerduty_endpoint = var.alarm_pagerduty_endpoint
  slack_email        = var.alarm_slack_email

  period_seconds           = var.alarm_period_seconds
  evaluation_periods       = var.alarm_evaluation_periods
  datapoints_to_alarm      = var.alarm_datapoints_to_alarm
  error_rate_percent       = var.alarm_error_rate_percent
  duration_timeout_percent = var.alarm_duration_timeout_percent
  iterator_age_seconds     = var.alarm_iterator_age_seconds

  functions = {
    enqueueEntries = { function_name = module.enqueueEntries.function_name, timeout_seconds = module.enqueueEntries.timeout }
    saveEntries    = { function_name = module.saveEntries.function_name, timeout_seconds = module.saveEntries.timeout }
    retryScore     = { function_name = module.retryScore.function_name, timeout_seconds = module.retryScore.timeout }
  }

  stream_consumers = {
    enqueueEntries = module.enqueueEntries.function_name
  }

  queues = {
    "save-entries" = { queue_name = module.save_entries_queue.queue_name, oldest_message_seconds = var.alarm_save_entries_oldest_message_seconds }
    "retry-score"  = { queue_name = module.retry_score_queue.queue_name, oldest_message_seconds = var.alarm_retry_score_oldest_message_seconds }
  }

  dlqs = {
    "save-entries-dlq"    = module.save_entries_queue.dlq_name
    "retry-score-dlq"     = module.retry_score_queue.dlq_name
    "enqueue-entries-dlq" = aws_sqs_queue.enqueue_entries_dlq.name
  }
}
