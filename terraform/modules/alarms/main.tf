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
  runbook = "${var.runbook_url}#"

  # How an alarm evaluates: M of N datapoints where traffic is steady, one datapoint for a count
  # where one occurrence is one too many, and the last run for functions run a few times an hour.
  m_of_n = {
    evaluation_periods  = var.evaluation_periods
    datapoints_to_alarm = var.datapoints_to_alarm
    treat_missing_data  = "notBreaching"
    period              = var.period_seconds
    when                = "${var.datapoints_to_alarm} of ${var.evaluation_periods} periods of ${var.period_seconds} s"
  }
  once = {
    evaluation_periods  = 1
    datapoints_to_alarm = 1
    treat_missing_data  = "notBreaching"
    period              = 60
    when                = "1 of 1 period of 60 s"
  }
  last_run = {
    evaluation_periods  = 1
    datapoints_to_alarm = 1
    treat_missing_data  = "ignore"
    period              = var.period_seconds
    when                = "its last run (held until a run is good)"
  }
  function_evaluation = { for k in keys(var.functions) : k => contains(var.scheduled_functions, k) ? local.last_run : local.m_of_n }

  # One alarm per state machine and outcome.
  execution_outcomes = {
    failed      = { metric = "ExecutionsFailed", what = "failed (a worker error ended it in its Fail state)" }
    "timed-out" = { metric = "ExecutionsTimedOut", what = "ran past its time limit" }
    aborted     = { metric = "ExecutionsAborted", what = "was stopped before it finished (StopExecution by a person or a deploy)" }
  }
  state_machine_outcomes = {
    for pair in flatten([
      for sm_key, sm in var.state_machines : [
        for outcome, o in local.execution_outcomes : merge(o, { key = sm_key, name = sm.name, arn = sm.arn, outcome = outcome })
      ]
    ]) : "${pair.key}-${pair.outcome}" => pair
  }

  # Every single-metric alarm, keyed "<kind>/<resource key>": who (the key and the AWS name),
  # what it means, the metric, the threshold and its wording, the runbook anchor, the evaluation.
  alarms = merge(
    { for k, f in var.functions : "function_throttles/${k}" => {
      name      = "${f.function_name}-throttles", who = "${k} (${f.function_name})", anchor = "function-throttles"
      means     = "invocations are throttled (account or function concurrency exhausted); events wait or are retried"
      namespace = "AWS/Lambda", metric = "Throttles", dimensions = { FunctionName = f.function_name }, stat = "Sum"
      threshold = 0, condition = "a throttle", evaluation = local.function_evaluation[k]
    } },
    { for k, f in var.functions : "function_duration/${k}" => {
      name      = "${f.function_name}-p95-duration", who = "${k} (${f.function_name})", anchor = "function-duration"
      means     = "invocations run close to the timeout and are about to time out"
      namespace = "AWS/Lambda", metric = "Duration", dimensions = { FunctionName = f.function_name }, stat = "p95"
      threshold = floor(f.timeout_seconds * 1000 * var.duration_timeout_percent / 100)
      condition = "p95 duration above ${var.duration_timeout_percent} % of the ${f.timeout_seconds} s timeout", evaluation = local.function_evaluation[k]
    } },
    { for k, fn in var.stream_consumers : "stream_iterator_age/${k}" => {
      name      = "${fn}-iterator-age", who = "${k} (${fn})", anchor = "stream-iterator-age"
      means     = "its stream mapping falls behind the demand-table stream; records expire after the stream's retention"
      namespace = "AWS/Lambda", metric = "IteratorAge", dimensions = { FunctionName = fn }, stat = "Maximum"
      threshold = var.iterator_age_seconds * 1000, condition = "iterator age above ${var.iterator_age_seconds} s", evaluation = local.m_of_n
    } },
    { for k, q in var.queues : "queue_oldest_message/${k}" => {
      name      = "${q.queue_name}-oldest-message-age", who = "${k} (${q.queue_name})", anchor = "queue-backlog"
      means     = "messages wait; the consumer is down, failing or too slow"
      namespace = "AWS/SQS", metric = "ApproximateAgeOfOldestMessage", dimensions = { QueueName = q.queue_name }, stat = "Maximum"
      threshold = q.oldest_message_seconds, condition = "oldest message older than ${q.oldest_message_seconds} s", evaluation = local.m_of_n
    } },
    { for k, q in var.dlqs : "dlq_messages/${k}" => {
      name      = "${q}-messages", who = "${k} (${q})", anchor = "dlq-messages"
      means     = "records failed every retry and wait in the dead-letter queue for an operator (kept 14 days)"
      namespace = "AWS/SQS", metric = "ApproximateNumberOfMessagesVisible", dimensions = { QueueName = q }, stat = "Maximum"
      threshold = 0, condition = "a visible message", evaluation = local.once
    } },
    { for k, o in local.state_machine_outcomes : "state_machine_executions/${k}" => {
      name      = "${o.name}-executions-${o.outcome}", who = "${o.key} (${o.name})", anchor = "state-machine-${o.outcome}"
      means     = "an execution ${o.what}"
      namespace = "AWS/States", metric = o.metric, dimensions = { StateMachineArn = o.arn }, stat = "Sum"
      threshold = 0, condition = "one execution", evaluation = local.once
    } },
    { for k, p in var.pipes : "pipe_target_failures/${k}" => {
      name      = "${p}-target-failures", who = "${k} (${p})", anchor = "pipe-target-failures"
      means     = "the pipe cannot deliver batches to its target; after its retries it sends them to its DLQ"
      namespace = "AWS/EventBridge/Pipes", metric = "TargetStageFailed", dimensions = { PipeName = p }, stat = "Sum"
      threshold = 0, condition = "a failed target invocation", evaluation = local.m_of_n
    } },
    { for k, r in var.rules : "rule_failed_invocations/${k}" => {
      name       = "${r.rule_name}-failed-invocations", who = "${k} (${r.rule_name})", anchor = "rule-failed-invocations"
      means      = "the rule could not deliver an event to its target after EventBridge's retries; the event is lost"
      namespace  = "AWS/Events", metric = "FailedInvocations", stat = "Sum"
      dimensions = merge({ RuleName = r.rule_name }, r.event_bus_name == "default" ? {} : { EventBusName = r.event_bus_name })
      threshold  = 0, condition = "a failed invocation", evaluation = local.once
    } },
    { for k, t in var.topics : "topic_failed_deliveries/${k}" => {
      name      = "${t}-failed-deliveries", who = "${k} (${t})", anchor = "topic-failed-deliveries"
      means     = "SNS could not deliver notifications to a subscriber queue"
      namespace = "AWS/SNS", metric = "NumberOfNotificationsFailed", dimensions = { TopicName = t }, stat = "Sum"
      threshold = 0, condition = "a failed delivery", evaluation = local.once
    } },
  )
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

# Error rate of every function: metric math on Errors and Invocations, 0 when not invoked.
resource "aws_cloudwatch_metric_alarm" "function_error_rate" {
  for_each = var.functions

  alarm_name          = "${each.value.function_name}-error-rate"
  alarm_description   = "${each.key} (${each.value.function_name}): invocations are failing. Threshold: error rate above ${var.error_rate_percent} % in ${local.function_evaluation[each.key].when}. Runbook: ${local.runbook}function-errors"
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

# Every single-metric alarm (local.alarms).
resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = each.value.name
  alarm_description   = "${each.value.who}: ${each.value.means}. Threshold: ${each.value.condition} in ${each.value.evaluation.when}. Runbook: ${local.runbook}${each.value.anchor}"
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = startswith(each.value.stat, "p") ? null : each.value.stat
  extended_statistic  = startswith(each.value.stat, "p") ? each.value.stat : null
  period              = each.value.evaluation.period
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  evaluation_periods  = each.value.evaluation.evaluation_periods
  datapoints_to_alarm = each.value.evaluation.datapoints_to_alarm
  treat_missing_data  = each.value.evaluation.treat_missing_data
  alarm_actions       = local.actions
  ok_actions          = local.actions
}
