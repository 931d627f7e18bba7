# replication / prod1 (tm-prod). Non-secret values only; lines marked PLACEHOLDER must be
# replaced with the real ids before the first plan (the account check stops a plan with them).

environment  = "prod1"
config_env   = "prod"
account_name = "tm-prod"
account_id   = "111111111111" # PLACEHOLDER: tm-prod account id
aws_region   = "us-east-1"

vpc_id             = "vpc-PLACEHOLDER"                              # PLACEHOLDER: prod1 VPC
private_subnet_ids = ["subnet-PLACEHOLDERa", "subnet-PLACEHOLDERb"] # PLACEHOLDER: prod1 private subnets
security_group_ids = ["sg-PLACEHOLDER"]                             # PLACEHOLDER: prod1 Lambda security group

log_retention_days = 90
two_second_buffer  = 2
batching_window    = 5

demand_table_name       = "prd3292-prod1-us-east-1-demand-table"
demand_table_stream_arn = "arn:aws:kinesis:us-east-1:111111111111:stream/prd3292-prod1-dmnd-table-stream"              # PLACEHOLDER: account id
service_jwt_secret_arn  = "arn:aws:secretsmanager:us-east-1:111111111111:secret:prd2011/prod1/service-jwt-PLACEHOLDER" # PLACEHOLDER: full ARN of the existing secret

# Alarms: the module defaults (docs/operations.md). PagerDuty comes from the CI/CD variable
# TF_VAR_alarm_pagerduty_endpoint of this environment.
alarm_slack_email = "" # PLACEHOLDER: email address of the production alerts Slack channel
