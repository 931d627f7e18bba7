# The stack's own inputs; the ones several stacks take are in shared_variables.tf
# (generated from terraform/shared/variables/ by `npm run tf:variables`).

# Alarms (terraform/modules/alarms, docs/operations.md)

variable "alarm_save_entries_oldest_message_seconds" {
  description = "The save-entries queue alarms when its oldest message has waited longer than this many seconds (entries wait to reach Entry Service; above the ~7 min retry backoff of one failing message)."
  type        = number
  default     = 600
}

variable "alarm_retry_score_oldest_message_seconds" {
  description = "The retry-score queue alarms when its oldest message has waited longer than this many seconds (score refreshes wait; scores only matter at selection)."
  type        = number
  default     = 1800
}
