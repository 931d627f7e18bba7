output "selection_state_machine_arn" {
  description = "ARN of selection-step-fn (start one execution per market)."
  value       = module.selection_step_fn.arn
}

output "function_arns" {
  description = "ARN of every function of the stack, by worker name."
  value       = local.worker_function_arns
}

output "function_names" {
  description = "Name of every function of the stack, by worker name."
  value       = local.worker_function_names
}

output "queue_urls" {
  description = "URL of every queue of the stack, by name tag (refresh-selection is where Campaign Service enqueues refreshes)."
  value = {
    "save-selection"          = module.save_selection_queue.queue_url
    "save-selection-dlq"      = module.save_selection_queue.dlq_url
    "refresh-selection"       = module.refresh_selection_queue.queue_url
    "refresh-selection-dlq"   = module.refresh_selection_queue.dlq_url
    "mark-assigned-codes-dlq" = aws_sqs_queue.mark_assigned_codes_dlq.url
  }
}

output "queue_arns" {
  description = "ARN of every queue of the stack, by name tag."
  value = {
    "save-selection"          = module.save_selection_queue.queue_arn
    "save-selection-dlq"      = module.save_selection_queue.dlq_arn
    "refresh-selection"       = module.refresh_selection_queue.queue_arn
    "refresh-selection-dlq"   = module.refresh_selection_queue.dlq_arn
    "mark-assigned-codes-dlq" = aws_sqs_queue.mark_assigned_codes_dlq.arn
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
