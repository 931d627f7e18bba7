# Account-level facts, looked up from the credentials in use, with a guard: deploying
# prod1 values with nonprod credentials (or placeholders left in a tfvars file) stops the plan.
data "aws_caller_identity" "current" {
  lifecycle {
    postcondition {
      condition     = self.account_id == var.account_id
      error_message = "The AWS credentials are for another account than the environment's account_id (${var.account_name}). Use the ${var.account_name} credentials, or replace the PLACEHOLDER account id in terraform.tfvars."
    }
  }
}

data "aws_partition" "current" {}
