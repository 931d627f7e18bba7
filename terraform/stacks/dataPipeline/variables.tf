# The stack's own inputs; the ones several stacks take are in shared_variables.tf
# (generated from terraform/shared/variables/ by `npm run tf:variables`).

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
