# The stack's alarms, their SNS topic and its dashboard (docs/operations.md). The workers'
# functions come from workers.tf (written from src/workers/registry.ts by `npm run workers:sync`),
# their queues, DLQs and stream mappings from each <worker>.tf's local.<worker>_alarms; the
# stack's other state machines, pipes, rules and topics have one line here.
# test/infra/alarms.test.ts fails, naming it, when a resource has no alarms.
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

  functions = local.worker_alarm_functions

  # Run a few times an hour (state machine, schedule): one bad run alarms.
  scheduled_functions = local.worker_scheduled_functions

  # The workers' queues, DLQs, stream mappings and schedule rules: each <worker>.tf declares its own
  # (workers.tf gathers them).
  stream_consumers = local.worker_stream_consumers
  queues           = local.worker_alarm_queues
  dlqs             = local.worker_alarm_dlqs

  state_machines = {
    "notification-step-fn" = { name = module.notification_step_fn.name, arn = module.notification_step_fn.arn }
  }

  rules = merge(local.worker_alarm_rules, {
    "notification-planning" = { rule_name = aws_cloudwatch_event_rule.notification_planning.name, event_bus_name = "default" }
  })
}
