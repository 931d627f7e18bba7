# dataPipeline / preprod1 (tm-prod). Non-secret values only; lines marked PLACEHOLDER must be
# replaced with the real ids before the first plan (the account check stops a plan with them).
# kafka_cert is secret: export TF_VAR_kafka_cert (see terraform/README.md).

environment  = "preprod1"
config_env   = "preprod"
account_name = "tm-prod"
account_id   = "111111111111" # PLACEHOLDER: tm-prod account id
aws_region   = "us-east-1"

vpc_id             = "vpc-PLACEHOLDER"                              # PLACEHOLDER: preprod1 VPC
private_subnet_ids = ["subnet-PLACEHOLDERa", "subnet-PLACEHOLDERb"] # PLACEHOLDER: preprod1 private subnets
security_group_ids = ["sg-PLACEHOLDER"]                             # PLACEHOLDER: preprod1 Lambda security group

log_retention_days = 30
two_second_buffer  = 2
batching_window    = 5

demand_table_stream_arn = "arn:aws:kinesis:us-east-1:111111111111:stream/prd3292-preprod1-dmnd-table-stream" # PLACEHOLDER: account id

# Execution roles of the seven CCPA workers (ccpa repository) that read kafka-cert.
ccpa_role_arns              = [] # PLACEHOLDER: add the CCPA worker role ARNs
secret_recovery_window_days = 30

# Alarms: the module defaults (docs/operations.md). PagerDuty comes from the CI/CD variable
# TF_VAR_alarm_pagerduty_endpoint of this environment.
alarm_slack_email = "" # PLACEHOLDER: email address of the production alerts Slack channel
