# enqueueMarketSelections: one page (at most selection.maxPerInvocation fans) of a market's
# selection per invocation; selection-step-fn loops until it reports done (seed: Selection
# stack; DECISIONS C [13]). 900 s / 1024 MB per the registry.
module "enqueueMarketSelections" {
  source = "../../modules/nodejs-lambda"

  function_name      = local.names["enqueue-market-selections"]
  name_tag           = local.name_tags["enqueue-market-selections"]
  description        = "Processes market selections, reserves codes"
  lambda_zip_path    = "${path.root}/../../../dist/${var.config_env}/enqueueMarketSelections.zip"
  timeout            = 900
  memory_size        = 1024
  config_env         = local.config_env
  vpc_config         = local.lambda_vpc_config
  log_retention_days = var.log_retention_days
  otel_layer_arn     = var.otel_layer_arn

  environment_variables = {
    SERVICE_JWT_SECRET_ID    = var.service_jwt_secret_arn
    SAVE_SELECTION_QUEUE_URL = module.save_selection_queue.queue_url
  }

  policy_statements = [
    {
      sid       = "EnqueueSelections"
      actions   = ["sqs:SendMessage"]
      resources = [module.save_selection_queue.queue_arn]
    },
    {
      sid       = "ReadServiceJwtKey"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.service_jwt_secret_arn]
    },
  ]
}
