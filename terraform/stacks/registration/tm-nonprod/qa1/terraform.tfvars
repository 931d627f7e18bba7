# registration / qa1 (tm-nonprod). Non-secret values only; lines marked PLACEHOLDER must be
# replaced with the real ids before the first plan (the account check stops a plan with them).

environment  = "qa1"
config_env   = "qa"
account_name = "tm-nonprod"
account_id   = "000000000000" # PLACEHOLDER: tm-nonprod account id
aws_region   = "us-east-1"

vpc_id             = "vpc-PLACEHOLDER"                              # PLACEHOLDER: qa1 VPC
private_subnet_ids = ["subnet-PLACEHOLDERa", "subnet-PLACEHOLDERb"] # PLACEHOLDER: qa1 private subnets
security_group_ids = ["sg-PLACEHOLDER"]                             # PLACEHOLDER: qa1 Lambda security group

log_retention_days = 14
two_second_buffer  = 2

demand_table_name      = "prd3292-qa1-us-east-1-demand-table"
service_jwt_secret_arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:prd2011/qa1/service-jwt-PLACEHOLDER" # PLACEHOLDER: full ARN of the existing secret
mongo_uri_secret_arn   = "arn:aws:secretsmanager:us-east-1:000000000000:secret:prd2011/qa1/mongo-uri-PLACEHOLDER"   # PLACEHOLDER: full ARN of the existing secret

# Public key of the qa1 IDV issuer (public, not a secret), for checkEligibility's idv gate. The
# plan fails while it is empty; paste the issuer's PEM public key as a heredoc:
#   idv_public_key = <<-EOT
#     -----BEGIN PUBLIC KEY-----
#     ...
#     -----END PUBLIC KEY-----
#   EOT
idv_public_key = "" # PLACEHOLDER: PEM public key of the qa1 IDV issuer

# The seed does not give the user-info pattern; confirm source and detail type with the producer.
user_info_event_bus_name = "default"
user_info_event_sources  = ["verifiedfan.users"] # PLACEHOLDER: producer's event source
user_info_detail_types   = ["userInfo"]          # PLACEHOLDER: producer's detail type

# Alarms: test traffic (end-to-end runs inject failures) is noisier than production's.
alarm_error_rate_percent = 10
alarm_slack_email        = "" # PLACEHOLDER: email address of the non-production alerts Slack channel
