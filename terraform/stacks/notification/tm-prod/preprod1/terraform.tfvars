# notification / preprod1 (tm-prod). Non-secret values only; lines marked PLACEHOLDER must be
# replaced with the real ids before the first plan (the account check stops a plan with them).

environment  = "preprod1"
config_env   = "preprod"
account_name = "tm-prod"
account_id   = "111111111111" # PLACEHOLDER: tm-prod account id
aws_region   = "us-east-1"

vpc_id             = "vpc-PLACEHOLDER"                              # PLACEHOLDER: preprod1 VPC
private_subnet_ids = ["subnet-PLACEHOLDERa", "subnet-PLACEHOLDERb"] # PLACEHOLDER: preprod1 private subnets
security_group_ids = ["sg-PLACEHOLDER"]                             # PLACEHOLDER: preprod1 Lambda security group

log_retention_days = 30

demand_table_name      = "prd3292-preprod1-us-east-1-demand-table"
service_jwt_secret_arn = "arn:aws:secretsmanager:us-east-1:111111111111:secret:prd2011/preprod1/service-jwt-PLACEHOLDER" # PLACEHOLDER: full ARN of the existing secret
mongo_uri_secret_arn   = "arn:aws:secretsmanager:us-east-1:111111111111:secret:prd2011/preprod1/mongo-uri-PLACEHOLDER"   # PLACEHOLDER: full ARN of the existing secret

# Alarms: the module defaults (docs/operations.md). PagerDuty comes from the CI/CD variable
# TF_VAR_alarm_pagerduty_endpoint of this environment.
alarm_slack_email = "" # PLACEHOLDER: email address of the production alerts Slack channel
