output "topic_arn" {
  description = "ARN of the SNS topic every alarm of the stack notifies (alarm and OK)."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_name" {
  description = "Name of the stack's CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}
