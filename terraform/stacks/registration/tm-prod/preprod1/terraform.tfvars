# registration / preprod1 (tm-prod). Non-secret values only; lines marked PLACEHOLDER must be
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
two_second_buffer  = 2

demand_table_name      = "prd3292-preprod1-us-east-1-demand-table"
service_jwt_secret_arn = "arn:aws:secretsmanager:us-east-1:111111111111:secret:prd2011/preprod1/service-jwt-PLACEHOLDER" # PLACEHOLDER: full ARN of the existing secret
mongo_uri_secret_arn   = "arn:aws:secretsmanager:us-east-1:111111111111:secret:prd2011/preprod1/mongo-uri-PLACEHOLDER"   # PLACEHOLDER: full ARN of the existing secret

# Public key of the preprod1 IDV issuer (public, not a secret), for checkEligibility's idv gate. The
# plan fails while it is empty; paste the issuer's PEM public key as a heredoc:
#   idv_public_key = <<-EOT
#     -----BEGIN PUBLIC KEY-----
#     ...
#     -----END PUBLIC KEY-----
#   EOT
idv_public_key = "" # PLACEHOLDER: PEM public key of the preprod1 IDV issuer

# The seed does not give the user-info pattern; confirm source and detail type with the producer.
user_info_event_bus_name = "default"
user_info_event_sources  = ["verifiedfan.users"] # PLACEHOLDER: producer's event source
user_info_detail_types   = ["userInfo"]          # PLACEHOLDER: producer's detail type

# Alarms: the module defaults (docs/operations.md). PagerDuty comes from the CI/CD variable
# TF_VAR_alarm_pagerduty_endpoint of this environment.
alarm_slack_email = "" # PLACEHOLDER: email address of the production alerts Slack channel
