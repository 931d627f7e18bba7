# The stack's own inputs; the ones several stacks take are in shared_variables.tf
# (generated from terraform/shared/variables/ by `npm run tf:variables`).

variable "verdict_reporter_queue_url" {
  description = "URL of the verdict-reporter queue (owned by the vf-api workers) saveSelections reports verdict counts to; empty disables reporting and grants nothing."
  type        = string
  default     = ""

  validation {
    condition     = var.verdict_reporter_queue_url == "" || can(regex("^https://sqs\\.[a-z0-9-]+\\.amazonaws\\.com/[0-9]{12}/[A-Za-z0-9_-]+$", var.verdict_reporter_queue_url))
    error_message = "verdict_reporter_queue_url must be empty or https://sqs.<region>.amazonaws.com/<account>/<queue>."
  }
}

# Alarms (terraform/modules/alarms, docs/operations.md)

variable "alarm_save_selection_oldest_message_seconds" {
  description = "The save-selection queue alarms when its oldest message has waited longer than this many seconds (winners wait for their codes; above the ~7 min retry backoff of one failing message)."
  type        = number
  default     = 600
}

variable "alarm_refresh_selection_oldest_message_seconds" {
  description = "The refresh-selection queue alarms when its oldest message has waited longer than this many seconds (selection changes wait to reach the demand table)."
  type        = number
  default     = 600
}
