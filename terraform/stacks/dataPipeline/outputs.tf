output "data_topic_arn" {
  description = "ARN of data-sns."
  value       = aws_sns_topic.data.arn
}

output "kafka_cert_secret_arn" {
  description = "ARN of the kafka-cert secret (for the CCPA workers' configuration)."
  value       = aws_secretsmanager_secret.kafka_cert.arn
}

output "data_queue_url" {
  description = "URL of data-queue, where Campaign Service and other producers send { type, data } records."
  value       = module.data_queue.queue_url
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
  value = merge(
    {
      "data-queue"          = module.data_queue.queue_url
      "data-queue-dlq"      = module.data_queue.dlq_url
      "dmnd-table-pipe-dlq" = aws_sqs_queue.dmnd_table_pipe_dlq.url
    },
    { for type, q in module.data_type_queues : local.data_type_queues[type] => q.queue_url },
    { for type, q in module.data_type_queues : "${local.data_type_queues[type]}-dlq" => q.dlq_url },
  )
}

output "queue_arns" {
  description = "ARN of every queue of the stack, by name tag."
  value = merge(
    {
      "data-queue"          = module.data_queue.queue_arn
      "data-queue-dlq"      = module.data_queue.dlq_arn
      "dmnd-table-pipe-dlq" = aws_sqs_queue.dmnd_table_pipe_dlq.arn
    },
    { for type, q in module.data_type_queues : local.data_type_queues[type] => q.queue_arn },
    { for type, q in module.data_type_queues : "${local.data_type_queues[type]}-dlq" => q.dlq_arn },
  )
}

output "pipe_arn" {
  description = "ARN of the demand-table pipe."
  value       = aws_pipes_pipe.dmnd_table.arn
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic every alarm of the stack notifies (subscribe on-call tools here)."
  value       = module.alarms.topic_arn
}

output "dashboard_name" {
  description = "Name of the stack's CloudWatch dashboard."
  value       = module.alarms.dashboard_name
}
