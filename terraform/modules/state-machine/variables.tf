variable "name" {
  description = "State machine name ({product-code}-{environment}-{region}-{name-tag}); the role is named {name}-role."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,59}$", var.name))
    error_message = "name must be 1-59 characters of letters, digits, - and _."
  }
}

variable "name_tag" {
  description = "Value of the Name tag of the state machine, its role and its log group."
  type        = string
}

variable "definition_path" {
  description = "Path of the Amazon States Language file (*.asl.json). Its $${placeholders} are registry worker names, replaced by lambda_function_arns."
  type        = string
}

variable "lambda_function_arns" {
  description = "ARN of every Lambda function the state machine invokes, keyed by the placeholder (registry worker name) used in the ASL file. The role may invoke exactly these."
  type        = map(string)

  validation {
    condition     = length(var.lambda_function_arns) > 0
    error_message = "A state machine needs at least one function to invoke."
  }
}

variable "log_group_name" {
  description = "CloudWatch log group for execution logs (/aws/vendedlogs/states/...)."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the execution log group, in days."
  type        = number
}

variable "tags" {
  description = "Extra tags (the stack's standard tags come from the provider's default_tags)."
  type        = map(string)
  default     = {}
}
