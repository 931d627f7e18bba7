# Notification stack: presale reminder planning, generation and email exports.

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.tags
  }
}

module "tm_env" {
  source = "../../modules/tm-env"

  environment        = var.environment
  config_env         = var.config_env
  account_name       = var.account_name
  account_id         = var.account_id
  region             = var.aws_region
  vpc_id             = var.vpc_id
  private_subnet_ids = var.private_subnet_ids
  security_group_ids = var.security_group_ids
}

module "account" {
  source = "../../modules/account"

  account_id   = module.tm_env.account_id
  account_name = module.tm_env.account_name
}

module "naming" {
  source = "../../modules/naming"

  product_code   = var.product_code
  product_name   = var.product_name
  region         = module.tm_env.region
  environment    = module.tm_env.environment
  inventory_code = local.inventory_code
  iac_repo       = var.iac_repo

  # The workers' name tags come from workers.tf (src/workers/registry.ts); these are the stack's own.
  name_tags = concat(local.worker_name_tags, [
    "notification-planning",
    "notification-step-fn",
    "reg-ntfcn-alarms",
    "reg-ntfcn-dashboard",
  ])
}

locals {
  inventory_code = "reg-ntfcn"

  names     = module.naming.names
  name_tags = module.naming.name_tags
  tags      = merge(module.tm_env.tags, module.naming.tags)

  config_env        = module.tm_env.config_env
  lambda_vpc_config = module.tm_env.lambda_vpc_config

  # The demand table belongs to prd3292; only its ARN is needed here, for IAM.
  demand_table_arn = "arn:${module.account.partition}:dynamodb:${module.tm_env.region}:${module.account.account_id}:table/${var.demand_table_name}"

  # Schedule expressions live in the YAML config (configs/<env>.config.yml over
  # default.config.yml, key `schedules`), which the local runtime reads too.
  schedules = merge(
    yamldecode(file("${path.module}/../../../configs/default.config.yml")).schedules,
    try(yamldecode(file("${path.module}/../../../configs/${var.config_env}.config.yml")).schedules, {}),
  )
}
