# checkEligibility: AppSync pipeline function that runs before the upsertEntry resolver
# (seed: Registration stack). AppSync calls it through its data source role, which the API's
# own stack grants lambda:InvokeFunction on output check_eligibility_function_arn; no
# resource-based permission is needed here.
module "checkEligibility" {
  source = "../../modules/nodejs-lambda"

  function_name      = local.names["eligibility"]
  name_tag           = local.name_tags["eligibility"]
  description        = "Validates fan eligibility before entry submission"
  lambda_zip_path    = "${path.root}/../../../dist/${var.config_env}/checkEligibility.zip"
  timeout            = 30
  memory_size        = 256
  config_env         = local.config_env
  vpc_config         = local.lambda_vpc_config
  log_retention_days = var.log_retention_days
  otel_layer_arn     = var.otel_layer_arn

  environment_variables = {
    MONGO_URI_SECRET_ID = var.mongo_uri_secret_arn
    # Public key of the IDV issuer (eligibility.idv.publicKey); variables.tf validates it.
    IDV_PUBLIC_KEY = var.idv_public_key
  }

  policy_statements = [
    {
      sid       = "ReadInvitesAndLinkedEntries"
      actions   = ["dynamodb:GetItem"]
      resources = [local.demand_table_arn]
    },
    {
      sid       = "ReadMongoUri"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.mongo_uri_secret_arn]
    },
  ]
}
