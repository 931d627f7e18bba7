# getMarketsToNotify: invoked directly by notificationGenerator (mode "due") and as the first
# task of notification-step-fn (mode "planning"); returns the markets to act on
# (DECISIONS C [21], DOMAIN 4.13).
module "getMarketsToNotify" {
  source = "../../modules/nodejs-lambda"

  function_name      = local.names["get-markets-to-notify"]
  name_tag           = local.name_tags["get-markets-to-notify"]
  description        = "Retrieves markets needing notifications"
  lambda_zip_path    = "${path.root}/../../../dist/${var.config_env}/getMarketsToNotify.zip"
  timeout            = 30
  memory_size        = 256
  config_env         = local.config_env
  vpc_config         = local.lambda_vpc_config
  log_retention_days = var.log_retention_days
  otel_layer_arn     = var.otel_layer_arn

  environment_variables = {
    MONGO_URI_SECRET_ID = var.mongo_uri_secret_arn
  }

  policy_statements = [
    {
      sid       = "ReadMongoUri"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.mongo_uri_secret_arn]
    },
  ]
}
