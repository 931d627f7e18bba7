variable "product_code" {
  description = "Product code used as the first part of every name and as the ProductCode tag (VerifiedFan: prd2011)."
  type        = string

  validation {
    condition     = can(regex("^prd[0-9]+$", var.product_code))
    error_message = "product_code must look like prd2011."
  }
}

variable "product_name" {
  description = "Short product name used in the Name tag (VerifiedFan: vf)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*$", var.product_name))
    error_message = "product_name must be lower-case letters and digits."
  }
}

variable "region" {
  description = "AWS region the resources live in, e.g. us-east-1."
  type        = string
}

variable "environment" {
  description = "Deployment environment: qa1, dev1, preprod1 or prod1."
  type        = string

  validation {
    condition     = contains(["qa1", "dev1", "preprod1", "prod1"], var.environment)
    error_message = "environment must be one of qa1, dev1, preprod1, prod1."
  }
}

variable "inventory_code" {
  description = "Inventory code of the stack (reg, reg-replica, reg-sel, reg-data, reg-ntfcn); the InventoryCode tag."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*$", var.inventory_code))
    error_message = "inventory_code must be lower-case kebab-case."
  }
}

variable "iac_repo" {
  description = "URL of the repository that holds this Terraform; the iacRepo tag."
  type        = string
}

variable "name_tags" {
  description = "Every name tag (kebab-case resource suffix) the stack uses; names and Name tags are produced for exactly these."
  type        = set(string)

  validation {
    condition     = alltrue([for t in var.name_tags : can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", t))])
    error_message = "name tags must be lower-case kebab-case (they become parts of AWS resource names)."
  }
}
