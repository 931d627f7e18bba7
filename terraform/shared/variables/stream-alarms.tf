# Shared by: replication, selection
# Stacks with a stream event source mapping (its IteratorAge alarm).

variable "alarm_iterator_age_seconds" {
  description = "A demand-table stream consumer alarms when the records it reads are older than this many seconds."
  type        = number
  default     = 60
}
