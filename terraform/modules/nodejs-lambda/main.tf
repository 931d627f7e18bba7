# One worker: function, execution role and log group (DECISIONS A: one ZIP per worker and
# environment, Node 22). The role grants log writing to its own log group, network interface
# management for the VPC, and the caller's least-privilege statements.
locals {
  runtime        = "nodejs22.x"
  handler        = "index.handler"
  log_group_name = "/aws/lambda/${var.function_name}"
  tags           = merge(var.tags, { Name = var.name_tag })
  statements     = [for s in var.policy_statements : s if length(s.resources) > 0]
  # The ADOT layer exports the spans the workers open with @opentelemetry/api (docs/operations.md).
  tracing = var.otel_layer_arn != ""
}

data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "LambdaAssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.function_name}-role"
  description        = "Execution role of ${var.function_name}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = local.tags
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  tags              = local.tags
}

data "aws_iam_policy_document" "base" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  # ENI actions have no resource-level scoping; this is what AWSLambdaVPCAccessExecutionRole grants.
  statement {
    sid = "ManageVpcNetworkInterfaces"
    actions = [
      "ec2:CreateNetworkInterface",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSubnets",
      "ec2:DeleteNetworkInterface",
      "ec2:AssignPrivateIpAddresses",
      "ec2:UnassignPrivateIpAddresses",
    ]
    resources = ["*"]
  }
}

# With the ADOT layer, the function sends its spans to X-Ray.
resource "aws_iam_role_policy_attachment" "xray" {
  count = local.tracing ? 1 : 0

  role       = aws_iam_role.this.name
  policy_arn = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"
}

resource "aws_iam_role_policy" "base" {
  name   = "logs-and-vpc"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.base.json
}

data "aws_iam_policy_document" "worker" {
  count = length(local.statements) > 0 ? 1 : 0

  dynamic "statement" {
    for_each = local.statements

    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}

resource "aws_iam_role_policy" "worker" {
  count = length(local.statements) > 0 ? 1 : 0

  name   = "worker"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.worker[0].json
}

resource "aws_lambda_function" "this" {
  function_name    = var.function_name
  description      = var.description
  role             = aws_iam_role.this.arn
  runtime          = local.runtime
  handler          = local.handler
  filename         = var.lambda_zip_path
  source_code_hash = filebase64sha256(var.lambda_zip_path)
  timeout          = var.timeout
  memory_size      = var.memory_size
  layers           = local.tracing ? [var.otel_layer_arn] : []

  environment {
    variables = merge(
      var.environment_variables,
      { CONFIG_ENV = var.config_env },
      local.tracing ? { AWS_LAMBDA_EXEC_WRAPPER = "/opt/otel-handler" } : {},
    )
  }

  tracing_config {
    mode = local.tracing ? "Active" : "PassThrough"
  }

  vpc_config {
    subnet_ids         = var.vpc_config.subnet_ids
    security_group_ids = var.vpc_config.security_group_ids
  }

  tags = local.tags

  # Lambda checks the ENI permissions when it creates a VPC function, and the log group must
  # exist (with its retention) before the first invocation writes to it.
  depends_on = [aws_iam_role_policy.base, aws_cloudwatch_log_group.this]
}
