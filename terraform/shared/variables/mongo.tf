# Shared by: registration, notification
# Stacks whose workers read from MongoDB (the connection string is a secret).

variable "mongo_uri_secret_arn" {
  description = "ARN of the existing Secrets Manager secret with the MongoDB connection string (MONGO_URI_SECRET_ID)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:", var.mongo_uri_secret_arn))
    error_message = "mongo_uri_secret_arn must be a Secrets Manager secret ARN."
  }
}
