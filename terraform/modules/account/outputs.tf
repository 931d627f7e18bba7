output "account_id" {
  description = "Account id of the credentials in use (equal to var.account_id, checked)."
  value       = data.aws_caller_identity.current.account_id
}

output "account_name" {
  description = "Human name of the account."
  value       = var.account_name
}

output "partition" {
  description = "AWS partition (aws) for building ARNs."
  value       = data.aws_partition.current.partition
}
