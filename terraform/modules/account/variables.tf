variable "account_id" {
  description = "12-digit id of the AWS account this stack must be deployed to; the plan fails when the credentials belong to another account."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "account_name" {
  description = "Human name of the account (tm-nonprod or tm-prod), used in error messages."
  type        = string
}
