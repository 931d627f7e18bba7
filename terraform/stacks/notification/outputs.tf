output "notification_state_machine_arn" {
  description = "ARN of notification-step-fn."
  value       = module.notification_step_fn.arn
}

output "function_arns" {
  description = "ARN of every function of the stack, by worker name."
  value       = local.worker_function_arns
}

output "function_names" {
  description = "Name of every function of the stack, by worker name."
  value       = local.worker_function_names
}

output "rule_arns" {
  description = "ARN of the stack's EventBridge rules, by name tag."
  value = {
    "notification-schedule" = aws_cloudwatch_event_rule.notification_schedule.arn
    "notification-planning" = aws_cloudwatch_event_rule.notification_planning.arn
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
