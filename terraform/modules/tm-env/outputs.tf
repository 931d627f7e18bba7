output "environment" {
  description = "Deployment environment (qa1, dev1, preprod1, prod1)."
  value       = var.environment
}

output "config_env" {
  description = "Configuration environment of the Lambda ZIPs; always the one that belongs to the environment."
  value       = var.config_env

  precondition {
    condition     = local.config_env_of[var.environment] == var.config_env
    error_message = "config_env does not belong to the environment (qa1->qa, dev1->dev, preprod1->preprod, prod1->prod)."
  }
}

output "account_name" {
  description = "AWS account name (tm-nonprod or tm-prod)."
  value       = var.account_name

  precondition {
    condition     = local.account_of[var.environment] == var.account_name
    error_message = "account_name does not belong to the environment (qa1 and dev1 live in tm-nonprod, preprod1 and prod1 in tm-prod)."
  }
}

output "account_id" {
  description = "12-digit AWS account id of the environment."
  value       = var.account_id
}

output "region" {
  description = "AWS region of the environment."
  value       = var.region
}

output "vpc_id" {
  description = "VPC the Lambda functions run in."
  value       = var.vpc_id
}

output "private_subnet_ids" {
  description = "Private subnets for Lambda network interfaces."
  value       = var.private_subnet_ids
}

output "security_group_ids" {
  description = "Security groups for Lambda network interfaces."
  value       = var.security_group_ids
}

output "lambda_vpc_config" {
  description = "VPC settings in the shape the nodejs-lambda module takes."
  value = {
    subnet_ids         = var.private_subnet_ids
    security_group_ids = var.security_group_ids
  }
}

output "tags" {
  description = "Environment-wide tags (Environment plus extra_tags)."
  value       = merge(var.extra_tags, { Environment = var.environment })
}
