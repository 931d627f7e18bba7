output "check_eligibility_function_arn" {
  description = "ARN of checkEligibility, for the AppSync API's Lambda data source."
  value       = module.checkEligibility.function_arn
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
  description = "URL of every queue of the stack, by name tag."
  value = {
    "user-info"     = module.user_info_queue.queue_url
    "user-info-dlq" = module.user_info_queue.dlq_url
  }
}

output "queue_arns" {
  description = "ARN of every queue of the stack, by name tag."
  value = {
    "user-info"     = module.user_info_queue.queue_arn
    "user-info-dlq" = module.user_info_queue.dlq_arn
  }
}

output "user_info_rule_arn" {
  description = "ARN of the user-info EventBridge rule."
  value       = aws_cloudwatch_event_rule.user_info.arn
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic every alarm of the stack notifies (subscribe on-call tools here)."
  value       = module.alarms.topic_arn
}

output "dashboard_name" {
  description = "Name of the stack's CloudWatch dashboard."
  value       = module.alarms.dashboard_name
}
