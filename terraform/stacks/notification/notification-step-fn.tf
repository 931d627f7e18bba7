# notification-step-fn: getMarketsToNotify (planning) -> planSends -> triggerReminderEmail,
# started hourly by the notification-planning rule (DECISIONS C [21]; the seed gives the state
# machine no trigger, this rule is the addition).
module "notification_step_fn" {
  source = "../../modules/state-machine"

  name               = local.names["notification-step-fn"]
  name_tag           = local.name_tags["notification-step-fn"]
  definition_path    = "${path.module}/notification-step-fn.asl.json"
  log_group_name     = module.naming.step_fn_log_group_name
  log_retention_days = var.log_retention_days

  lambda_function_arns = {
    getMarketsToNotify   = module.getMarketsToNotify.function_arn
    planSends            = module.planSends.function_arn
    triggerReminderEmail = module.triggerReminderEmail.function_arn
  }
}

resource "aws_cloudwatch_event_rule" "notification_planning" {
  name                = local.names["notification-planning"]
  description         = "Starts notification-step-fn (reminder planning)"
  schedule_expression = local.schedules.notificationPlanning

  tags = {
    Name = local.name_tags["notification-planning"]
  }
}

data "aws_iam_policy_document" "notification_planning_assume" {
  statement {
    sid     = "EventsAssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "notification_planning" {
  name               = "${local.names["notification-planning"]}-role"
  description        = "Lets the notification-planning rule start notification-step-fn"
  assume_role_policy = data.aws_iam_policy_document.notification_planning_assume.json

  tags = {
    Name = local.name_tags["notification-planning"]
  }
}

data "aws_iam_policy_document" "notification_planning" {
  statement {
    sid       = "StartNotificationStepFn"
    actions   = ["states:StartExecution"]
    resources = [module.notification_step_fn.arn]
  }
}

resource "aws_iam_role_policy" "notification_planning" {
  name   = "start-notification-step-fn"
  role   = aws_iam_role.notification_planning.id
  policy = data.aws_iam_policy_document.notification_planning.json
}

resource "aws_cloudwatch_event_target" "notification_planning" {
  rule      = aws_cloudwatch_event_rule.notification_planning.name
  target_id = "notification-step-fn"
  arn       = module.notification_step_fn.arn
  role_arn  = aws_iam_role.notification_planning.arn
  input     = jsonencode({})
}
