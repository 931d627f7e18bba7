# terraform init -reconfigure -backend-config=tm-prod/preprod1/backend.hcl (tools/tf/tf does this)
bucket         = "prd2011-tm-prod-us-east-1-tfstate" # PLACEHOLDER: tm-prod Terraform state bucket
key            = "prd2011/notification/preprod1/terraform.tfstate"
region         = "us-east-1"
dynamodb_table = "prd2011-tm-prod-us-east-1-tflock" # PLACEHOLDER: tm-prod state lock table
encrypt        = true
