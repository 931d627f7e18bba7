# selection / dev1 (tm-nonprod). Non-secret values only; lines marked PLACEHOLDER must be
# replaced with the real ids before the first plan (the account check stops a plan with them).

environment  = "dev1"
config_env   = "dev"
account_name = "tm-nonprod"
account_id   = "000000000000" # PLACEHOLDER: tm-nonprod account id
aws_region   = "us-east-1"

vpc_id             = "vpc-PLACEHOLDER"                              # PLACEHOLDER: dev1 VPC
private_subnet_ids = ["subnet-PLACEHOLDERa", "subnet-PLACEHOLDERb"] # PLACEHOLDER: dev1 private subnets
security_group_ids = ["sg-PLACEHOLDER"]                             # PLACEHOLDER: dev1 Lambda security group

log_retention_days = 14
two_second_buffer  = 2
batching_window    = 1

demand_table_name       = "prd3292-dev1-us-east-1-demand-table"
demand_table_stream_arn = "arn:aws:kinesis:us-east-1:000000000000:stream/prd3292-dev1-dmnd-table-stream"              # PLACEHOLDER: account id
service_jwt_secret_arn  = "arn:aws:secretsmanager:us-east-1:000000000000:secret:prd2011/dev1/service-jwt-PLACEHOLDER" # PLACEHOLDER: full ARN of the existing secret

# Empty disables verdict reporting; set to the vf-api verdict-reporter queue URL to enable it.
verdict_reporter_queue_url = ""

# Alarms: test traffic (end-to-end runs inject failures) is noisier than production's.
alarm_error_rate_percent = 10
alarm_slack_email        = "" # PLACEHOLDER: email address of the non-production alerts Slack channel
