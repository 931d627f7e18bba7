# The stack's alarms, their SNS topic and its dashboard (docs/operations.md). Every function,
# queue, DLQ, stream mapping, state machine, pipe, rule and topic of the stack has one line here;
# test/infra/alarms.test.ts fails, naming it, when one is missing.
module "alarms" {
  source = "../../modules/alarms"

  topic_name         = local.names["reg-alarms"]
  topic_name_tag     = local.name_tags["reg-alarms"]
  dashboard_name     = local.names["reg-dashboard"]
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
    checkEligibility = { function_name = module.checkEligibility.function_name, timeout_seconds = module.checkEligibility.timeout }
    upsertUsers      = { function_name = module.upsertUsers.function_name, timeout_seconds = module.upsertUsers.timeout }
  }

  queues = {
    "user-info" = { queue_name = module.user_info_queue.queue_name, oldest_message_seconds = var.alarm_user_info_oldest_message_seconds }
  }

  dlqs = {
    "user-info-dlq" = module.user_info_queue.dlq_name
  }

  rules = {
    "user-info" = { rule_name = aws_cloudwatch_event_rule.user_info.name, event_bus_name = var.user_info_event_bus_name }
  }
}
