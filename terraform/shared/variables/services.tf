# Shared by: registration, replication, selection, notification
# Stacks whose workers call the internal services or the demand table.

variable "service_jwt_secret_arn" {
  description = "ARN of the existing Secrets Manager secret with the key that signs service JWTs (SERVICE_JWT_SECRET_ID)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:", var.service_jwt_secret_arn))
    error_message = "service_jwt_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "demand_table_name" {
  description = "Name of the demand table (owned by prd3292: prd3292-{environment}-us-east-1-demand-table); used for IAM. The code takes the name from config."
  type        = string

  validation {
    condition     = can(regex("^prd3292-[a-z0-9]+-[a-z0-9-]+-demand-table$", var.demand_table_name))
    error_message = "demand_table_name must look like prd3292-qa1-us-east-1-demand-table."
  }
}
