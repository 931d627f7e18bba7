# planSends: notification-step-fn task; sets each market's planned reminder time
# date.notification (DECISIONS C [23]).
module "planSends" {
  source = "../../modules/nodejs-lambda"

  function_name      = local.names["plan-sends"]
  name_tag           = local.name_tags["plan-sends"]
  description        = "Plans notification sends"
  lambda_zip_path    = "${path.root}/../../../dist/${var.config_env}/planSends.zip"
  timeout            = 30
  memory_size        = 256
  config_env         = local.config_env
  vpc_config         = local.lambda_vpc_config
  log_retention_days = var.log_retention_days
  otel_layer_arn     = var.otel_layer_arn

  environment_variables = {
    SERVICE_JWT_SECRET_ID = var.service_jwt_secret_arn
    MONGO_URI_SECRET_ID   = var.mongo_uri_secret_arn
  }

  policy_statements = [
    {
      sid       = "ReadServiceJwtKey"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.service_jwt_secret_arn]
    },
    {
      sid       = "ReadMongoUri"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.mongo_uri_secret_arn]
    },
  ]
}
