# function_arn and function_name wait for the worker policy: Lambda checks the role's
# permissions when an event source mapping is created from them.

output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
  depends_on  = [aws_iam_role_policy.worker]
}

output "function_arn" {
  description = "ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
  depends_on  = [aws_iam_role_policy.worker]
}

output "invoke_arn" {
  description = "ARN for invoking the function from API Gateway / AppSync integrations."
  value       = aws_lambda_function.this.invoke_arn
}

output "role_name" {
  description = "Name of the function's execution role."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the function."
  value       = aws_cloudwatch_log_group.this.name
}

output "timeout" {
  description = "Configured timeout in seconds. Taken from the input, so queues can derive their visibility timeout without waiting for the function."
  value       = var.timeout
}
