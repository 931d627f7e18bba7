# One dashboard per stack: the stack's alarms first, then one graph per signal with a line per
# resource. Widgets are placed automatically (no x/y); a signal the stack lacks has no widget.
locals {
  alarm_arns = concat(
    [for a in aws_cloudwatch_metric_alarm.function_error_rate : a.arn],
    [for a in aws_cloudwatch_metric_alarm.this : a.arn],
  )

  # title, metrics (one line per resource), stat; only graphs with at least one line are shown.
  graphs = [
    {
      title   = "Invocations"
      stat    = "Sum"
      metrics = [for k, f in var.functions : ["AWS/Lambda", "Invocations", "FunctionName", f.function_name, { label = k }]]
    },
    {
      title   = "Errors"
      stat    = "Sum"
      metrics = [for k, f in var.functions : ["AWS/Lambda", "Errors", "FunctionName", f.function_name, { label = k }]]
    },
    {
      title   = "Duration p95 (ms)"
      stat    = "p95"
      metrics = [for k, f in var.functions : ["AWS/Lambda", "Duration", "FunctionName", f.function_name, { label = k }]]
    },
    {
      title   = "Throttles"
      stat    = "Sum"
      metrics = [for k, f in var.functions : ["AWS/Lambda", "Throttles", "FunctionName", f.function_name, { label = k }]]
    },
    {
      title   = "Iterator age (ms)"
      stat    = "Maximum"
      metrics = [for k, f in var.stream_consumers : ["AWS/Lambda", "IteratorAge", "FunctionName", f, { label = k }]]
    },
    {
      title   = "Queue depth (visible messages)"
      stat    = "Maximum"
      metrics = [for k, q in var.queues : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q.queue_name, { label = k }]]
    },
    {
      title   = "Oldest message age (s)"
      stat    = "Maximum"
      metrics = [for k, q in var.queues : ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", q.queue_name, { label = k }]]
    },
    {
      title   = "DLQ depth (visible messages)"
      stat    = "Maximum"
      metrics = [for k, q in var.dlqs : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q, { label = k }]]
    },
    {
      title = "State machine executions"
      stat  = "Sum"
      # Not flatten(): it would flatten the metric arrays too.
      metrics = concat(
        [for k, sm in var.state_machines : ["AWS/States", "ExecutionsStarted", "StateMachineArn", sm.arn, { label = "${k} started" }]],
        [for o in local.state_machine_outcomes : ["AWS/States", o.metric, "StateMachineArn", o.arn, { label = "${o.key} ${o.outcome}" }]],
      )
    },
    {
      title = "Pipe invocations and failures"
      stat  = "Sum"
      metrics = concat(
        [for k, p in var.pipes : ["AWS/EventBridge/Pipes", "Invocations", "PipeName", p, { label = "${k} invocations" }]],
        [for k, p in var.pipes : ["AWS/EventBridge/Pipes", "TargetStageFailed", "PipeName", p, { label = "${k} failed target invocations" }]],
      )
    },
  ]

  widgets = concat(
    [{
      type   = "alarm"
      width  = 24
      height = 6
      properties = {
        title  = "Alarms"
        alarms = local.alarm_arns
      }
    }],
    [
      for g in local.graphs : {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title   = g.title
          region  = var.region
          view    = "timeSeries"
          stacked = false
          stat    = g.stat
          period  = var.period_seconds
          metrics = g.metrics
        }
      } if length(g.metrics) > 0
    ],
  )
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.dashboard_name
  dashboard_body = jsonencode({ widgets = local.widgets })
}
