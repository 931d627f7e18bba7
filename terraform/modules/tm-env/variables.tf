variable "environment" {
  description = "Deployment environment: qa1, dev1, preprod1 or prod1."
  type        = string

  validation {
    condition     = contains(["qa1", "dev1", "preprod1", "prod1"], var.environment)
    error_message = "environment must be one of qa1, dev1, preprod1, prod1."
  }
}

variable "config_env" {
  description = "Configuration environment baked into the Lambda ZIPs (configs/<config_env>.config.yml): qa, dev, preprod or prod."
  type        = string

  validation {
    condition     = contains(["qa", "dev", "preprod", "prod"], var.config_env)
    error_message = "config_env must be one of qa, dev, preprod, prod."
  }
}

variable "account_name" {
  description = "AWS account the environment lives in: tm-nonprod (qa1, dev1) or tm-prod (preprod1, prod1)."
  type        = string

  validation {
    condition     = contains(["tm-nonprod", "tm-prod"], var.account_name)
    error_message = "account_name must be tm-nonprod or tm-prod."
  }
}

variable "account_id" {
  description = "12-digit id of the AWS account the environment lives in."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "region" {
  description = "AWS region of the environment."
  type        = string
}

variable "vpc_id" {
  description = "VPC the Lambda functions run in."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-zA-Z]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets (of vpc_id) the Lambda functions get their network interfaces in; at least two for availability."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2 && alltrue([for s in var.private_subnet_ids : can(regex("^subnet-[0-9a-zA-Z]+$", s))])
    error_message = "private_subnet_ids must list at least two subnet-... ids."
  }
}

variable "security_group_ids" {
  description = "Security groups attached to the Lambda network interfaces (egress to MongoDB, Redis, Kafka, HTTP services and AWS endpoints)."
  type        = list(string)

  validation {
    condition     = length(var.security_group_ids) >= 1 && alltrue([for s in var.security_group_ids : can(regex("^sg-[0-9a-zA-Z]+$", s))])
    error_message = "security_group_ids must list at least one sg-... id."
  }
}

variable "extra_tags" {
  description = "Additional environment-wide tags merged into every resource's tags."
  type        = map(string)
  default     = {}
}
