# Environment facts in one place. Pure inputs and outputs (no lookups), so a plan shows exactly
# which VPC, subnets and security groups a stack uses; the ids come from the environment's tfvars.
locals {
  # The ZIP of an environment carries that environment's config (DECISIONS A: packaging).
  config_env_of = {
    qa1      = "qa"
    dev1     = "dev"
    preprod1 = "preprod"
    prod1    = "prod"
  }
  account_of = {
    qa1      = "tm-nonprod"
    dev1     = "tm-nonprod"
    preprod1 = "tm-prod"
    prod1    = "tm-prod"
  }
}
