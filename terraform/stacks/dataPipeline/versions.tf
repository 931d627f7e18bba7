terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial configuration: bucket, key, region, dynamodb_table and encrypt come from
  # tm-<account>/<environment>/backend.hcl (terraform init -backend-config=...).
  backend "s3" {}
}
