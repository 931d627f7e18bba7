# kafka-cert: the Kafka client certificate (JSON { cert, key, ca? }), readable by sendData and
# by the CCPA workers of another repository (seed: AWS Secrets Manager). The value comes from
# TF_VAR_kafka_cert; rotating it = new value + apply of this stack.
resource "aws_secretsmanager_secret" "kafka_cert" {
  name                    = local.names["kafka-cert"]
  description             = "Kafka client certificate for sendData and the CCPA workers"
  recovery_window_in_days = var.secret_recovery_window_days

  tags = {
    Name = local.name_tags["kafka-cert"]
  }
}

resource "aws_secretsmanager_secret_version" "kafka_cert" {
  secret_id     = aws_secretsmanager_secret.kafka_cert.id
  secret_string = var.kafka_cert
}

data "aws_iam_policy_document" "kafka_cert" {
  statement {
    sid       = "ReadKafkaCert"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = concat([module.sendData.role_arn], var.ccpa_role_arns)
    }
  }
}

resource "aws_secretsmanager_secret_policy" "kafka_cert" {
  secret_arn = aws_secretsmanager_secret.kafka_cert.arn
  policy     = data.aws_iam_policy_document.kafka_cert.json
}
