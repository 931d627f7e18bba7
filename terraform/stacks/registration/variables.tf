# The stack's own inputs; the ones several stacks take are in shared_variables.tf
# (generated from terraform/shared/variables/ by `npm run tf:variables`).

variable "user_info_event_bus_name" {
  description = "Event bus the user-info events arrive on."
  type        = string
  default     = "default"
}

variable "user_info_event_sources" {
  description = "Event sources (the events' source field) the user-info rule matches."
  type        = list(string)

  validation {
    condition     = length(var.user_info_event_sources) > 0
    error_message = "List at least one event source."
  }
}

variable "user_info_detail_types" {
  description = "Detail types of the user-info events the rule matches."
  type        = list(string)

  validation {
    condition     = length(var.user_info_detail_types) > 0
    error_message = "List at least one detail type."
  }
}

variable "idv_public_key" {
  description = "PEM public key (SPKI, -----BEGIN PUBLIC KEY-----) of the environment's IDV issuer; checkEligibility verifies fans' IDV tokens with it (IDV_PUBLIC_KEY, read as eligibility.idv.publicKey). Public, not a secret: set in each environment's terraform.tfvars. No default, and the plan fails while it is empty or not a PEM public key, because without it every campaign with an idv gate refuses every fan."
  type        = string

  validation {
    condition     = can(regex("^-----BEGIN PUBLIC KEY-----\\s+[A-Za-z0-9+/=\\s]{60,}-----END PUBLIC KEY-----$", trimspace(var.idv_public_key)))
    error_message = "idv_public_key must be the PEM public key (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----) of this environment's IDV issuer; set it in tm-<account>/<env>/terraform.tfvars (docs/security.md)."
  }
}

# Alarms (terraform/modules/alarms, docs/operations.md)

variable "alarm_user_info_oldest_message_seconds" {
  description = "The user-info queue alarms when its oldest message has waited longer than this many seconds (upsertUsers is behind; fans' profile changes wait)."
  type        = number
  default     = 900
}
