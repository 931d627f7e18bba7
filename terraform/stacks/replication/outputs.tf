output "function_arns" {
  description = "ARN of every function of the stack, by worker name."
  value       = local.worker_function_arns
}

output "function_names" {
  description = "Name of every function of the stack, by worker name."
  value       = local.worker_function_names
}

output "queue_urls" {
  description = "URL of every queue of the stack, by name tag (retry-score is where Entry Service enqueues score retries)."
  value = {
    "save-entries"        = module.save_entries_queue.queue_url
    "save-entries-dlq"    = module.save_entries_queue.dlq_url
    "retry-score"         = module.retry_score_queue.queue_url
    "retry-score-dlq"     = module.retry_score_queue.dlq_url
    "enqueue-entries-dlq" = aws_sqs_queue.enqueue_entries_dlq.url
  }
}

output "queue_arns" {
  description = "ARN of every queue of the stack, by name tag."
  value = {
    "save-entries"        = module.save_entries_queue.queue_arn
    "save-entries-dlq"    = module.save_entries_queue.dlq_arn
    "retry-score"         = module.retry_score_queue.queue_arn
    "retry-score-dlq"     = module.retry_score_queue.dlq_arn
    "enqueue-entries-dlq" = aws_sqs_queue.enqueue_entries_dlq.arn
  }
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic every alarm of the stack notifies (subscribe on-call tools here)."
  value       = module.alarms.topic_arn
}

output "dashboard_name" {
  description = "Name of the stack's CloudWatch dashboard."
  value       = module.alarms.dashboard_name
}
