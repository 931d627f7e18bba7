# Shared by: replication, selection, dataPipeline
# Stacks that read the demand table's stream.

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
