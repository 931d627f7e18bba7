# data-sns: fan-out hub. Raw message delivery keeps the body as the record and the `type`
# message attribute as an SQS message attribute, which is what sendData reads.
resource "aws_sns_topic" "data" {
  name = local.names["data-sns"]

  tags = {
    Name = local.name_tags["data-sns"]
  }
}

resource "aws_sns_topic_subscription" "data_type_queues" {
  for_each = local.data_type_queues

  topic_arn            = aws_sns_topic.data.arn
  protocol             = "sqs"
  endpoint             = module.data_type_queues[each.key].queue_arn
  raw_message_delivery = true
  filter_policy_scope  = "MessageAttributes"

  filter_policy = jsonencode({
    type = [each.key]
  })
}
