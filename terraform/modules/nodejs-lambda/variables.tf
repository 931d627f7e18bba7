variable "function_name" {
  description = "Lambda function name ({product-code}-{environment}-{region}-{name-tag}); also names the role and the log group."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,59}$", var.function_name))
    error_message = "function_name must be 1-59 characters of letters, digits, - and _ (the role name adds -role and must stay within 64)."
  }
}

variable "name_tag" {
  description = "Value of the Name tag ({product-code}.{product-name}.{region}.{environment}.{name-tag})."
  type        = string
}

variable "description" {
  description = "What the function does (the worker's purpose from src/workers/registry.ts)."
  type        = string
}

variable "lambda_zip_path" {
  description = "Path of the worker's ZIP built by the build step (dist/<config-env>/<workerName>.zip)."
  type        = string
}

variable "timeout" {
  description = "Function timeout in seconds (registry timeoutSeconds)."
  type        = number

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds between 1 and 900."
  }
}

variable "memory_size" {
  description = "Function memory in MB (registry memoryMb)."
  type        = number

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be between 128 and 10240 MB."
  }
}

variable "config_env" {
  description = "Configuration environment the ZIP was built for; passed to the function as CONFIG_ENV."
  type        = string

  validation {
    condition     = contains(["qa", "dev", "preprod", "prod", "local"], var.config_env)
    error_message = "config_env must be one of qa, dev, preprod, prod, local."
  }
}

variable "environment_variables" {
  description = "Environment variables of the function besides CONFIG_ENV (the config reads them through $${env:NAME} references)."
  type        = map(string)
  default     = {}

  validation {
    condition     = !contains(keys(var.environment_variables), "CONFIG_ENV")
    error_message = "CONFIG_ENV is set by the module from config_env."
  }
}

variable "vpc_config" {
  description = "Private subnets and security groups the function's network interfaces are placed in."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
}

variable "policy_statements" {
  description = "Allow statements of the function's own permissions (least privilege: exactly the actions its code calls, on exactly its resources). A statement whose resources list is empty is left out, so optional resources can be passed as compact([...])."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.policy_statements : can(regex("^[A-Za-z0-9]+$", s.sid)) && length(s.actions) > 0])
    error_message = "Each statement needs an alphanumeric sid and at least one action."
  }

  validation {
    condition     = length(distinct([for s in var.policy_statements : s.sid])) == length(var.policy_statements)
    error_message = "Statement sids must be unique."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group /aws/lambda/{function_name}, in days."
  type        = number

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "tags" {
  description = "Extra tags for the function, role and log group (the stack's standard tags come from the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "otel_layer_arn" {
  description = "ARN of the AWS Distro for OpenTelemetry (ADOT) Lambda layer for Node.js. Set: the function gets the layer, its wrapper (AWS_LAMBDA_EXEC_WRAPPER=/opt/otel-handler), X-Ray active tracing and X-Ray write access, and its spans go to X-Ray. Empty (the default): no export."
  type        = string
  default     = ""

  validation {
    condition     = var.otel_layer_arn == "" || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.otel_layer_arn))
    error_message = "otel_layer_arn must be empty or a versioned Lambda layer ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)."
  }
}
