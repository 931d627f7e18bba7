# One dashboard per stack: the stack's alarms first, then one graph per signal with a line per
# resource. Widgets are placed automatically (no x/y); a signal the stack lacks has no widget.
locals {
  alarm_arns = concat(
    [for a in aws_cloudwatch_metric_alarm.function_error_rate : a.arn],
    [for a in aws_cloudwatch_metric_alarm.this : a.arn],
  )

  # Graphs of one metric with a line per resource (label => AWS name).
  functions_by_key = { for k, f in var.functions : k => f.function_name }
  queues_by_key    = { for k, q in var.queues : k => q.queue_name }
  per_resource = [
    { title = "Invocations", namespace = "AWS/Lambda", metric = "Invocations", dimension = "FunctionName", stat = "Sum", lines = local.functions_by_key },
    { title = "Errors", namespace = "AWS/Lambda", metric = "Errors", dimension = "FunctionName", stat = "Sum", lines = local.functions_by_key },
    { title = "Duration p95 (ms)", namespace = "AWS/Lambda", metric = "Duration", dimension = "FunctionName", stat = "p95", lines = local.functions_by_key },
    { title = "Throttles", namespace = "AWS/Lambda", metric = "Throttles", dimension = "FunctionName", stat = "Sum", lines = local.functions_by_key },
    { title = "Iterator age (ms)", namespace = "AWS/Lambda", metric = "IteratorAge", dimension = "FunctionName", stat = "Maximum", lines = var.stream_consumers },
    { title = "Queue depth (visible messages)", namespace = "AWS/SQS", metric = "ApproximateNumberOfMessagesVisible", dimension = "QueueName", stat = "Maximum", lines = local.queues_by_key },
    { title = "Oldest message age (s)", namespace = "AWS/SQS", metric = "ApproximateAgeOfOldestMessage", dimension = "QueueName", stat = "Maximum", lines = local.queues_by_key },
    { title = "DLQ depth (visible messages)", namespace = "AWS/SQS", metric = "ApproximateNumberOfMessagesVisible", dimension = "QueueName", stat = "Maximum", lines = var.dlqs },
  ]

  # title, metrics (one line per resource), stat; only graphs with at least one line are shown.
  graphs = concat([
    for g in local.per_resource : {
      title   = g.title
      stat    = g.stat
      metrics = [for label, name in g.lines : [g.namespace, g.metric, g.dimension, name, { label = label }]]
    }
    ], [
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
  ])

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
