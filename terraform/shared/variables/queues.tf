# Shared by: registration, replication, selection, dataPipeline
# Stacks with consumed queues: the visibility timeout rule (terraform/modules/queue-with-dlq).

variable "two_second_buffer" {
  description = "Seconds a queue's visibility timeout exceeds its consumer's timeout (plus batching window) by."
  type        = number
  default     = 2

  validation {
    condition     = var.two_second_buffer >= 0
    error_message = "two_second_buffer must not be negative."
  }
}
