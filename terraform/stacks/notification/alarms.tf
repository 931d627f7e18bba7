# The stack's alarms, their SNS topic and its dashboard (docs/operations.md). Every function,
# queue, DLQ, stream mapping, state machine, pipe, rule and topic of the stack has one line here;
# test/infra/alarms.test.ts fails, naming it, when one is missing.
module "alarms" {
  source = "../../modules/alarms"

  topic_name         = local.names["reg-ntfcn-alarms"]
  topic_name_tag     = local.name_tags["reg-ntfcn-alarms"]
  dashboard_name     = local.names["reg-ntfcn-dashboard"]
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
    notificationGenerator = { function_name = module.notificationGenerator.function_name, timeout_seconds = module.notificationGenerator.timeout }
    getMarketsToNotify    = { function_name = module.getMarketsToNotify.function_name, timeout_seconds = module.getMarketsToNotify.timeout }
    planSends             = { function_name = module.planSends.function_name, timeout_seconds = module.planSends.timeout }
    triggerReminderEmail  = { function_name = module.triggerReminderEmail.function_name, timeout_seconds = module.triggerReminderEmail.timeout }
  }

  # Run a few times an hour (state machine, schedule): one bad run alarms.
  scheduled_functions = ["notificationGenerator", "getMarketsToNotify", "planSends", "triggerReminderEmail"]

  state_machines = {
    "notification-step-fn" = { name = module.notification_step_fn.name, arn = module.notification_step_fn.arn }
  }

  rules = {
    "notification-schedule" = { rule_name = aws_cloudwatch_event_rule.notification_schedule.name, event_bus_name = "default" }
    "notification-planning" = { rule_name = aws_cloudwatch_event_rule.notification_planning.name, event_bus_name = "default" }
  }
}
