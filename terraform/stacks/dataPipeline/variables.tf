# Environment and naming

variable "aws_region" {
  description = "AWS region of the stack."
  type        = string
  default     = "us-east-1"
}

variable "account_id" {
  description = "12-digit id of the AWS account of the environment (tm-nonprod or tm-prod); the plan stops when the credentials belong to another account."
  type        = string
}

variable "account_name" {
  description = "AWS account of the environment: tm-nonprod (qa1, dev1) or tm-prod (preprod1, prod1)."
  type        = string
}

variable "environment" {
  description = "Deployment environment: qa1, dev1, preprod1 or prod1 (the Environment tag and part of every name)."
  type        = string
}

variable "config_env" {
  description = "Configuration environment of the Lambda ZIPs (qa1->qa, dev1->dev, preprod1->preprod, prod1->prod); the ZIPs are read from dist/<config_env>/."
  type        = string
}

variable "product_code" {
  description = "Product code: first part of every name and the ProductCode tag."
  type        = string
  default     = "prd2011"
}

variable "product_name" {
  description = "Short product name used in Name tags."
  type        = string
  default     = "vf"
}

variable "iac_repo" {
  description = "URL of this repository (the iacRepo tag)."
  type        = string
  default     = "https://git.tmaws.io/verifiedfan/reg-workers"
}

variable "vpc_id" {
  description = "VPC the Lambda functions run in."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets for the Lambda network interfaces."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups for the Lambda network interfaces."
  type        = list(string)
}

variable "log_retention_days" {
  description = "Retention of the stack's CloudWatch log groups, in days."
  type        = number
}

variable "otel_layer_arn" {
  description = "ARN of the AWS Distro for OpenTelemetry (ADOT) Lambda layer for Node.js: the workers' spans go to X-Ray. Empty (the default): no layer and no export; the trace context still travels with every record (docs/operations.md, Following one record)."
  type        = string
  default     = ""
}

# Stack

variable "two_second_buffer" {
  description = "Seconds a queue's visibility timeout exceeds its consumer's timeout (plus batching window) by."
  type        = number
  default     = 2

  validation {
    condition     = var.two_second_buffer >= 0
    error_message = "two_second_buffer must not be negative."
  }
}

variable "demand_table_stream_arn" {
  description = "ARN of the Kinesis data stream that carries the demand table's changes (Kinesis Data Streams for DynamoDB)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:[0-9]{12}:stream/.+$", var.demand_table_stream_arn))
    error_message = "demand_table_stream_arn must be a Kinesis stream ARN."
  }
}

variable "batching_window" {
  description = "Maximum batching window, in seconds, of the demand-table stream consumers (per environment)."
  type        = number

  validation {
    condition     = var.batching_window >= 0 && var.batching_window <= 300
    error_message = "batching_window must be between 0 and 300 seconds."
  }
}

variable "kafka_cert" {
  description = "Kafka client certificate as JSON { cert, key, ca? } (PEM strings), stored in the kafka-cert secret. Secret: pass it as TF_VAR_kafka_cert (CI variables nonprod_kafka_cert, preprod_kafka_cert, prod_kafka_cert), never in a tfvars file."
  type        = string
  sensitive   = true

  validation {
    condition     = can(jsondecode(var.kafka_cert).cert) && can(jsondecode(var.kafka_cert).key)
    error_message = "kafka_cert must be JSON with cert and key (PEM strings)."
  }
}

variable "ccpa_role_arns" {
  description = "Execution role ARNs of the CCPA workers (another repository) that may read the kafka-cert secret."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.ccpa_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", a))])
    error_message = "ccpa_role_arns must be IAM role ARNs."
  }
}

variable "secret_recovery_window_days" {
  description = "Days a deleted kafka-cert secret can be restored; 0 deletes at once (lets a destroyed test environment be re-created)."
  type        = number
  default     = 30

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

# Alarms (terraform/modules/alarms, docs/operations.md)

variable "alarm_pagerduty_endpoint" {
  description = "HTTPS endpoint of the PagerDuty service's Amazon CloudWatch integration for this environment; it holds the integration key, so it comes from the CI/CD variable TF_VAR_alarm_pagerduty_endpoint, never a tfvars file. Empty: alarms reach the topic and Slack, nobody is paged."
  type        = string
  default     = ""
  sensitive   = true
}

variable "alarm_slack_email" {
  description = "Email address of the Slack channel that receives this environment's alarms (Slack: channel > Integrations > Send emails to this channel). Empty: no Slack subscription."
  type        = string
  default     = ""
}

variable "alarm_period_seconds" {
  description = "Length of one datapoint of the M-of-N alarms, in seconds."
  type        = number
  default     = 60
}

variable "alarm_evaluation_periods" {
  description = "N of the M-of-N alarms: how many datapoints are looked at."
  type        = number
  default     = 5
}

variable "alarm_datapoints_to_alarm" {
  description = "M of the M-of-N alarms: how many of the evaluated datapoints must breach."
  type        = number
  default     = 3
}

variable "alarm_error_rate_percent" {
  description = "A function alarms when more than this percentage of its invocations failed."
  type        = number
  default     = 5
}

variable "alarm_duration_timeout_percent" {
  description = "A function alarms when its p95 duration exceeds this percentage of its timeout."
  type        = number
  default     = 80
}

variable "alarm_data_queue_oldest_message_seconds" {
  description = "The data-queue alarms when its oldest message has waited longer than this many seconds (analytics records wait for processData)."
  type        = number
  default     = 900
}

variable "alarm_typed_queues_oldest_message_seconds" {
  description = "Each of the five typed data queues alarms when its oldest message has waited longer than this many seconds (records wait for sendData and Kafka)."
  type        = number
  default     = 900
}
