# terraform init -reconfigure -backend-config=tm-nonprod/qa1/backend.hcl (tools/tf/tf does this)
bucket         = "prd2011-tm-nonprod-us-east-1-tfstate" # PLACEHOLDER: tm-nonprod Terraform state bucket
key            = "prd2011/dataPipeline/qa1/terraform.tfstate"
region         = "us-east-1"
dynamodb_table = "prd2011-tm-nonprod-us-east-1-tflock" # PLACEHOLDER: tm-nonprod state lock table
encrypt        = true
