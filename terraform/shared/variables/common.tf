# Shared by: registration, replication, selection, dataPipeline, notification
# The environment, naming and network every stack takes, and the alarm settings of terraform/modules/alarms (docs/operations.md).

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
