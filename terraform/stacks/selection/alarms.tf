# The stack's alarms, their SNS topic and its dashboard (docs/operations.md). Every function,
# queue, DLQ, stream mapping, state machine, pipe, rule and topic of the stack has one line here;
# test/infra/alarms.test.ts fails, naming it, when one is missing.
module "alarms" {
  source = "../../modules/alarms"

  topic_name         = local.names["reg-sel-alarms"]
  topic_name_tag     = local.name_tags["reg-sel-alarms"]
  dashboard_name     = local.names["reg-sel-dashboard"]
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
    enqueueMarketSelections = { function_name = module.enqueueMarketSelections.function_name, timeout_seconds = module.enqueueMarketSelections.timeout }
    saveSelections          = { function_name = module.saveSelections.function_name, timeout_seconds = module.saveSelections.timeout }
    refreshSelections       = { function_name = module.refreshSelections.function_name, timeout_seconds = module.refreshSelections.timeout }
    markAssignedCodes       = { function_name = module.markAssignedCodes.function_name, timeout_seconds = module.markAssignedCodes.timeout }
  }

  # Run a few times an hour (state machine, schedule): one bad run alarms.
  scheduled_functions = ["enqueueMarketSelections"]

  stream_consumers = {
    markAssignedCodes = module.markAssignedCodes.function_name
  }

  queues = {
    "save-selection"    = { queue_name = module.save_selection_queue.queue_name, oldest_message_seconds = var.alarm_save_selection_oldest_message_seconds }
    "refresh-selection" = { queue_name = module.refresh_selection_queue.queue_name, oldest_message_seconds = var.alarm_refresh_selection_oldest_message_seconds }
  }

  dlqs = {
    "save-selection-dlq"      = module.save_selection_queue.dlq_name
    "refresh-selection-dlq"   = module.refresh_selection_queue.dlq_name
    "mark-assigned-codes-dlq" = aws_sqs_queue.mark_assigned_codes_dlq.name
  }

  state_machines = {
    "selection-step-fn" = { name = module.selection_step_fn.name, arn = module.selection_step_fn.arn }
  }
}
