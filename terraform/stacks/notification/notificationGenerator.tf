# notificationGenerator: every 5 minutes (notification-schedule) asks getMarketsToNotify for
# the markets that are due (direct invocation, mode "due"), writes one SMS reminder record per
# selected fan to the demand table and marks the market notified (DECISIONS C [21]-[24]).
module "notificationGenerator" {
  source = "../../modules/nodejs-lambda"

  function_name      = local.names["notification-generator"]
  name_tag           = local.name_tags["notification-generator"]
  description        = "Generates presale reminder records for markets that are due"
  lambda_zip_path    = "${path.root}/../../../dist/${var.config_env}/notificationGenerator.zip"
  timeout            = 30
  memory_size        = 256
  config_env         = local.config_env
  vpc_config         = local.lambda_vpc_config
  log_retention_days = var.log_retention_days
  otel_layer_arn     = var.otel_layer_arn

  environment_variables = {
    MONGO_URI_SECRET_ID                 = var.mongo_uri_secret_arn
    GET_MARKETS_TO_NOTIFY_FUNCTION_NAME = module.getMarketsToNotify.function_name
  }

  policy_statements = [
    {
      sid       = "InvokeGetMarketsToNotify"
      actions   = ["lambda:InvokeFunction"]
      resources = [module.getMarketsToNotify.function_arn]
    },
    {
      sid       = "WriteReminderRecords"
      actions   = ["dynamodb:PutItem"]
      resources = [local.demand_table_arn]
    },
    {
      sid       = "ReadMongoUri"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.mongo_uri_secret_arn]
    },
  ]
}

resource "aws_cloudwatch_event_rule" "notification_schedule" {
  name                = local.names["notification-schedule"]
  description         = "Invokes notificationGenerator for markets whose reminders are due"
  schedule_expression = local.schedules.notificationSchedule

  tags = {
    Name = local.name_tags["notification-schedule"]
  }
}

resource "aws_cloudwatch_event_target" "notification_schedule" {
  rule      = aws_cloudwatch_event_rule.notification_schedule.name
  target_id = "notification-generator"
  arn       = module.notificationGenerator.function_arn
}

resource "aws_lambda_permission" "notification_schedule" {
  statement_id  = "AllowNotificationSchedule"
  action        = "lambda:InvokeFunction"
  function_name = module.notificationGenerator.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.notification_schedule.arn
}

# What the stack's alarms watch for this worker (workers.tf gathers it into alarms.tf).
locals {
  notificationGenerator_alarms = {
    rules = {
      "notification-schedule" = { rule_name = aws_cloudwatch_event_rule.notification_schedule.name, event_bus_name = "default" }
    }
  }
}
