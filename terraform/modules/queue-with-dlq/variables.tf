variable "name" {
  description = "Queue name ({product-code}-{environment}-{region}-{name-tag}); the dead-letter queue is named {name}-dlq."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,76}$", var.name))
    error_message = "name must be 1-76 characters of letters, digits, - and _ (the DLQ name adds -dlq and must stay within 80)."
  }
}

variable "name_tag" {
  description = "Name tag of the queue; the dead-letter queue's Name tag is {name_tag}-dlq."
  type        = string
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the queue: the consumer's timeout + two_second_buffer (+ the mapping's batching window)."
  type        = number

  validation {
    condition     = var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200
    error_message = "visibility_timeout_seconds must be between 0 and 43200 (12 hours)."
  }
}

variable "consumer_timeout_seconds" {
  description = "Timeout of the Lambda function that consumes the queue; the plan fails when the visibility timeout does not cover it."
  type        = number
}

variable "two_second_buffer" {
  description = "Seconds the visibility timeout must exceed the consumer's timeout (plus batching window) by."
  type        = number
}

variable "batching_window_seconds" {
  description = "Maximum batching window of the consumer's event source mapping, in seconds (0 when it has none)."
  type        = number
  default     = 0
}

variable "max_receive_count" {
  description = "Receives after which a message moves to the dead-letter queue (seed: 3; user-info: 2)."
  type        = number

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000."
  }
}

variable "message_retention_seconds" {
  description = "Retention of the main queue (AWS default 4 days)."
  type        = number
  default     = 345600
}

variable "publishers" {
  description = "AWS services allowed to send to the queue, each limited to one source ARN (aws:SourceArn), e.g. an SNS topic or an EventBridge rule. Empty: no queue policy (same-account IAM principals need none)."
  type = list(object({
    service    = string
    source_arn = string
  }))
  default = []
}

variable "tags" {
  description = "Extra tags for both queues (the stack's standard tags come from the provider's default_tags)."
  type        = map(string)
  default     = {}
}
