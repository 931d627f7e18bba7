# What to watch (keyed maps: one entry per resource, so a new worker or queue is one line in the
# stack's module call) and the thresholds, which the stacks take as typed variables.

variable "topic_name" {
  description = "Name of the SNS topic that receives every alarm and OK notification of the stack."
  type        = string
}

variable "topic_name_tag" {
  description = "Name tag of the alarm topic."
  type        = string
}

variable "dashboard_name" {
  description = "Name of the stack's CloudWatch dashboard."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.dashboard_name))
    error_message = "dashboard_name must be 1-255 letters, digits, - and _."
  }
}

variable "runbook_url" {
  description = "Address of docs/runbooks.md; every alarm description ends with it and the anchor of the section that answers the alarm."
  type        = string
}

variable "pagerduty_endpoint" {
  description = "HTTPS endpoint of the PagerDuty service's Amazon CloudWatch integration, subscribed to the alarm topic; empty: nobody is paged."
  type        = string
  sensitive   = true

  validation {
    condition     = var.pagerduty_endpoint == "" || startswith(var.pagerduty_endpoint, "https://")
    error_message = "pagerduty_endpoint must be empty or an https:// URL."
  }
}

variable "slack_email" {
  description = "Email address of the Slack alerts channel, subscribed to the alarm topic (the subscription must be confirmed once from the channel); empty: none."
  type        = string

  validation {
    condition     = var.slack_email == "" || can(regex("^[^@\\s]+@[^@\\s]+$", var.slack_email))
    error_message = "slack_email must be empty or an email address."
  }
}

variable "functions" {
  description = "Lambda functions by registry worker name: error rate, throttles and p95 duration alarms, and their dashboard rows."
  type = map(object({
    function_name   = string
    timeout_seconds = number
  }))
}

variable "scheduled_functions" {
  description = "Keys of var.functions invoked a few times an hour (by a schedule or a state machine). M of N one-minute datapoints never fill for them, so one bad run alarms and the alarm holds (missing data ignored) until a run is good again."
  type        = list(string)
  default     = []
}

variable "stream_consumers" {
  description = "Functions with a Kinesis event source mapping, by registry worker name: IteratorAge alarm (how far the mapping lags behind the stream)."
  type        = map(string)
  default     = {}
}

variable "queues" {
  description = "Consumed queues by name tag: alarm when the oldest message is older than oldest_message_seconds."
  type = map(object({
    queue_name             = string
    oldest_message_seconds = number
  }))
  default = {}

  validation {
    condition     = alltrue([for q in values(var.queues) : q.oldest_message_seconds >= 60])
    error_message = "oldest_message_seconds must be at least 60 (SQS publishes the metric once a minute)."
  }
}

variable "dlqs" {
  description = "Dead-letter queues (of queues, stream mappings and pipes) by name tag, each to its queue name: alarm on any visible message."
  type        = map(string)
  default     = {}
}

variable "state_machines" {
  description = "State machines by name tag: alarms on any failed, timed-out or aborted execution."
  type = map(object({
    name = string
    arn  = string
  }))
  default = {}
}

variable "pipes" {
  description = "EventBridge pipes by name tag, each to its pipe name: alarm on failed target invocations."
  type        = map(string)
  default     = {}
}

variable "rules" {
  description = "EventBridge rules by name tag: alarm on invocations of a target that failed for good."
  type = map(object({
    rule_name      = string
    event_bus_name = string
  }))
  default = {}
}

variable "topics" {
  description = "SNS topics by name tag, each to its topic name: alarm on notifications SNS could not deliver."
  type        = map(string)
  default     = {}
}

# Thresholds

variable "period_seconds" {
  description = "Length of one datapoint of the M-of-N alarms, in seconds."
  type        = number
  default     = 60

  validation {
    condition     = contains([60, 120, 300, 600, 900], var.period_seconds)
    error_message = "period_seconds must be 60, 120, 300, 600 or 900."
  }
}

variable "evaluation_periods" {
  description = "N of the M-of-N alarms (error rate, throttles, duration, iterator age, queue age, pipe failures): the datapoints looked at."
  type        = number
  default     = 5

  validation {
    condition     = var.evaluation_periods >= 1 && var.evaluation_periods <= 30 && floor(var.evaluation_periods) == var.evaluation_periods
    error_message = "evaluation_periods must be a whole number between 1 and 30."
  }
}

variable "datapoints_to_alarm" {
  description = "M of the M-of-N alarms: how many of the evaluated datapoints must breach."
  type        = number
  default     = 3

  validation {
    condition     = var.datapoints_to_alarm >= 1 && var.datapoints_to_alarm <= 30 && floor(var.datapoints_to_alarm) == var.datapoints_to_alarm
    error_message = "datapoints_to_alarm must be a whole number between 1 and 30 (and at most evaluation_periods)."
  }
}

variable "error_rate_percent" {
  description = "A function alarms when more than this percentage of its invocations failed (0 when it was not invoked)."
  type        = number
  default     = 5

  validation {
    condition     = var.error_rate_percent > 0 && var.error_rate_percent < 100
    error_message = "error_rate_percent must be between 0 and 100 (exclusive)."
  }
}

variable "duration_timeout_percent" {
  description = "A function alarms when its p95 duration exceeds this percentage of its timeout."
  type        = number
  default     = 80

  validation {
    condition     = var.duration_timeout_percent > 0 && var.duration_timeout_percent < 100
    error_message = "duration_timeout_percent must be between 0 and 100 (exclusive): the alarm must fire before the timeout does."
  }
}

variable "iterator_age_seconds" {
  description = "A stream consumer alarms when the age of the newest record it read exceeds this many seconds."
  type        = number
  default     = 60

  validation {
    condition     = var.iterator_age_seconds >= 1
    error_message = "iterator_age_seconds must be at least 1."
  }
}

variable "region" {
  description = "Region of the stack's metrics (dashboard widgets name it)."
  type        = string
}
