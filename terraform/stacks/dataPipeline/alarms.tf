# The stack's alarms, their SNS topic and its dashboard (docs/operations.md). The workers'
# functions come from workers.tf (written from src/workers/registry.ts by `npm run workers:sync`),
# their queues, DLQs and stream mappings from each <worker>.tf's local.<worker>_alarms; the
# stack's other state machines, pipes, rules and topics have one line here.
# test/infra/alarms.test.ts fails, naming it, when a resource has no alarms.
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

  functions           = local.worker_alarm_functions
  scheduled_functions = local.worker_scheduled_functions

  # The workers' queues, DLQs, stream mappings and schedule rules: each <worker>.tf declares its own
  # (workers.tf gathers them).
  stream_consumers = local.worker_stream_consumers
  queues           = local.worker_alarm_queues
  dlqs             = merge(local.worker_alarm_dlqs, { "dmnd-table-pipe-dlq" = aws_sqs_queue.dmnd_table_pipe_dlq.name })
  rules            = local.worker_alarm_rules

  pipes = {
    "dmnd-table-pipe" = aws_pipes_pipe.dmnd_table.name
  }

  topics = {
    "data-sns" = aws_sns_topic.data.name
  }
}
