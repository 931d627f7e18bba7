# The stack's alarms, the topic they notify and its dashboard (docs/operations.md).
#
# What fires, following AWS's recommended alarms and cdk-monitoring-constructs' defaults:
# functions: error rate, throttles, p95 duration near the timeout; stream consumers: iterator
# age; consumed queues: age of the oldest message; DLQs: any message; state machines: any failed,
# timed-out or aborted execution; pipes: failed target invocations; rules: failed target
# invocations; topics: failed deliveries. Quiet means healthy: a metric without data (no traffic)
# never breaches, except for functions that run a few times an hour, whose alarms hold the state
# of their last run. Every description says what the alarm means and which runbook section answers it.
locals {
  actions = [aws_sns_topic.alarms.arn]

  runbook = {
    function_errors       = "${var.runbook_url}#function-errors"
    function_throttles    = "${var.runbook_url}#function-throttles"
    function_duration     = "${var.runbook_url}#function-duration"
    stream_iterator_age   = "${var.runbook_url}#stream-iterator-age"
    queue_backlog         = "${var.runbook_url}#queue-backlog"
    dlq_messages          = "${var.runbook_url}#dlq-messages"
    state_machine_failed  = "${var.runbook_url}#state-machine-failed"
    state_machine_timeout = "${var.runbook_url}#state-machine-timed-out"
    state_machine_aborted = "${var.runbook_url}#state-machine-aborted"
    pipe_target_failures  = "${var.runbook_url}#pipe-target-failures"
    rule_failures         = "${var.runbook_url}#rule-failed-invocations"
    topic_failures        = "${var.runbook_url}#topic-failed-deliveries"
  }

  m_of_n = "${var.datapoints_to_alarm} of ${var.evaluation_periods} periods of ${var.period_seconds} s"

  # How a function's alarms evaluate: M of N for steady traffic; the last run for scheduled ones.
  function_evaluation = {
    for k in keys(var.functions) : k => contains(var.scheduled_functions, k) ? {
      evaluation_periods  = 1
      datapoints_to_alarm = 1
      treat_missing_data  = "ignore"
      when                = "its last run (held until a run is good)"
      } : {
      evaluation_periods  = var.evaluation_periods
      datapoints_to_alarm = var.datapoints_to_alarm
      treat_missing_data  = "notBreaching"
      when                = local.m_of_n
    }
  }

  # One alarm per state machine and outcome.
  execution_outcomes = {
    failed      = { metric = "ExecutionsFailed", runbook = local.runbook.state_machine_failed, what = "failed (a worker error ended it in its Fail state)" }
    "timed-out" = { metric = "ExecutionsTimedOut", runbook = local.runbook.state_machine_timeout, what = "ran past its time limit" }
    aborted     = { metric = "ExecutionsAborted", runbook = local.runbook.state_machine_aborted, what = "was stopped before it finished (StopExecution by a person or a deploy)" }
  }
  state_machine_outcomes = {
    for pair in flatten([
      for sm_key, sm in var.state_machines : [
        for outcome, o in local.execution_outcomes : merge(o, { key = sm_key, name = sm.name, arn = sm.arn, outcome = outcome })
      ]
    ]) : "${pair.name}-${pair.outcome}" => pair
  }
}

resource "aws_sns_topic" "alarms" {
  name = var.topic_name

  tags = {
    Name = var.topic_name_tag
  }

  # Checks across variables (a variable's own validation may only name it before Terraform 1.9).
  lifecycle {
    precondition {
      condition     = var.datapoints_to_alarm <= var.evaluation_periods
      error_message = "datapoints_to_alarm (${var.datapoints_to_alarm}) must not exceed evaluation_periods (${var.evaluation_periods})."
    }

    precondition {
      condition     = alltrue([for k in var.scheduled_functions : contains(keys(var.functions), k)])
      error_message = "scheduled_functions names functions that are not in functions: ${join(", ", [for k in var.scheduled_functions : k if !contains(keys(var.functions), k)])}."
    }
  }
}

resource "aws_sns_topic_subscription" "pagerduty" {
  count = var.pagerduty_endpoint == "" ? 0 : 1

  topic_arn              = aws_sns_topic.alarms.arn
  protocol               = "https"
  endpoint               = var.pagerduty_endpoint
  endpoint_auto_confirms = true
}

resource "aws_sns_topic_subscription" "slack" {
  count = var.slack_email == "" ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.slack_email
}

# Functions

resource "aws_cloudwatch_metric_alarm" "function_error_rate" {
  for_each = var.functions

  alarm_name          = "${each.value.function_name}-error-rate"
  alarm_description   = "${each.key} (${each.value.function_name}): invocations are failing. Threshold: error rate above ${var.error_rate_percent} % in ${local.function_evaluation[each.key].when}. Runbook: ${local.runbook.function_errors}"
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_rate_percent
  evaluation_periods  = local.function_evaluation[each.key].evaluation_periods
  datapoints_to_alarm = local.function_evaluation[each.key].datapoints_to_alarm
  treat_missing_data  = local.function_evaluation[each.key].treat_missing_data
  alarm_actions       = local.actions
  ok_actions          = local.actions

  metric_query {
    id          = "rate"
    label       = "Error rate (%)"
    expression  = "IF(invocations > 0, 100 * FILL(errors, 0) / invocations, 0)"
    return_data = true
  }

  metric_query {
    id = "errors"

    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      period      = var.period_seconds
      stat        = "Sum"
      dimensions  = { FunctionName = each.value.function_name }
    }
  }

  metric_query {
    id = "invocations"

    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Invocations"
      period      = var.period_seconds
      stat        = "Sum"
      dimensions  = { FunctionName = each.value.function_name }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "function_throttles" {
  for_each = var.functions

  alarm_name          = "${each.value.function_name}-throttles"
  alarm_description   = "${each.key} (${each.value.function_name}): invocations are throttled (account or function concurrency exhausted); events wait or are retried. Threshold: a throttle in ${local.function_evaluation[each.key].when}. Runbook: ${local.runbook.function_throttles}"
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = each.value.function_name }
  statistic           = "Sum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = local.function_evaluation[each.key].evaluation_periods
  datapoints_to_alarm = local.function_evaluation[each.key].datapoints_to_alarm
  treat_missing_data  = local.function_evaluation[each.key].treat_missing_data
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "function_duration" {
  for_each = var.functions

  alarm_name          = "${each.value.function_name}-p95-duration"
  alarm_description   = "${each.key} (${each.value.function_name}): invocations run close to the timeout and are about to time out. Threshold: p95 duration above ${var.duration_timeout_percent} % of the ${each.value.timeout_seconds} s timeout in ${local.function_evaluation[each.key].when}. Runbook: ${local.runbook.function_duration}"
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = each.value.function_name }
  extended_statistic  = "p95"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = floor(each.value.timeout_seconds * 1000 * var.duration_timeout_percent / 100)
  evaluation_periods  = local.function_evaluation[each.key].evaluation_periods
  datapoints_to_alarm = local.function_evaluation[each.key].datapoints_to_alarm
  treat_missing_data  = local.function_evaluation[each.key].treat_missing_data
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "stream_iterator_age" {
  for_each = var.stream_consumers

  alarm_name          = "${each.value}-iterator-age"
  alarm_description   = "${each.key} (${each.value}): its stream mapping falls behind the demand-table stream; records expire after the stream's retention. Threshold: iterator age above ${var.iterator_age_seconds} s in ${local.m_of_n}. Runbook: ${local.runbook.stream_iterator_age}"
  namespace           = "AWS/Lambda"
  metric_name         = "IteratorAge"
  dimensions          = { FunctionName = each.value }
  statistic           = "Maximum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.iterator_age_seconds * 1000
  evaluation_periods  = var.evaluation_periods
  datapoints_to_alarm = var.datapoints_to_alarm
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

# Queues

resource "aws_cloudwatch_metric_alarm" "queue_oldest_message" {
  for_each = var.queues

  alarm_name          = "${each.value.queue_name}-oldest-message-age"
  alarm_description   = "${each.key} (${each.value.queue_name}): messages wait; the consumer is down, failing or too slow. Threshold: oldest message older than ${each.value.oldest_message_seconds} s in ${local.m_of_n}. Runbook: ${local.runbook.queue_backlog}"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = each.value.queue_name }
  statistic           = "Maximum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.oldest_message_seconds
  evaluation_periods  = var.evaluation_periods
  datapoints_to_alarm = var.datapoints_to_alarm
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "dlq_messages" {
  for_each = var.dlqs

  alarm_name          = "${each.value}-messages"
  alarm_description   = "${each.key} (${each.value}): records failed every retry and wait in the dead-letter queue for an operator (kept 14 days). Threshold: a visible message in 1 of 1 period of 60 s. Runbook: ${local.runbook.dlq_messages}"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  datapoints_to_alarm = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

# State machines, pipes, rules, topics

resource "aws_cloudwatch_metric_alarm" "state_machine_executions" {
  for_each = local.state_machine_outcomes

  alarm_name          = "${each.value.name}-executions-${each.value.outcome}"
  alarm_description   = "${each.value.key} (${each.value.name}): an execution ${each.value.what}. Threshold: one execution in 1 of 1 period of 60 s. Runbook: ${each.value.runbook}"
  namespace           = "AWS/States"
  metric_name         = each.value.metric
  dimensions          = { StateMachineArn = each.value.arn }
  statistic           = "Sum"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  datapoints_to_alarm = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "pipe_target_failures" {
  for_each = var.pipes

  alarm_name          = "${each.value}-target-failures"
  alarm_description   = "${each.key} (${each.value}): the pipe cannot deliver batches to its target; after its retries it sends them to its DLQ. Threshold: a failed target invocation in ${local.m_of_n}. Runbook: ${local.runbook.pipe_target_failures}"
  namespace           = "AWS/EventBridge/Pipes"
  metric_name         = "TargetStageFailed"
  dimensions          = { PipeName = each.value }
  statistic           = "Sum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = var.evaluation_periods
  datapoints_to_alarm = var.datapoints_to_alarm
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "rule_failed_invocations" {
  for_each = var.rules

  alarm_name          = "${each.value.rule_name}-failed-invocations"
  alarm_description   = "${each.key} (${each.value.rule_name}): the rule could not deliver an event to its target after EventBridge's retries; the event is lost. Threshold: a failed invocation in 1 of 1 period of 60 s. Runbook: ${local.runbook.rule_failures}"
  namespace           = "AWS/Events"
  metric_name         = "FailedInvocations"
  dimensions          = merge({ RuleName = each.value.rule_name }, each.value.event_bus_name == "default" ? {} : { EventBusName = each.value.event_bus_name })
  statistic           = "Sum"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  datapoints_to_alarm = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "topic_failed_deliveries" {
  for_each = var.topics

  alarm_name          = "${each.value}-failed-deliveries"
  alarm_description   = "${each.key} (${each.value}): SNS could not deliver notifications to a subscriber queue. Threshold: a failed delivery in 1 of 1 period of 60 s. Runbook: ${local.runbook.topic_failures}"
  namespace           = "AWS/SNS"
  metric_name         = "NumberOfNotificationsFailed"
  dimensions          = { TopicName = each.value }
  statistic           = "Sum"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  datapoints_to_alarm = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}
