# The emulator behind the benchmark's proxy: endpoint and package path come from
# TF_VAR_endpoint and TF_VAR_code_zip (benches/perf.rs). Never a real account.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

variable "endpoint" { type = string }
variable "code_zip" {
  type    = string
  default = ""
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  endpoints {
    ec2            = var.endpoint
    iam            = var.endpoint
    lambda         = var.endpoint
    logs           = var.endpoint
    rds            = var.endpoint
    s3             = var.endpoint
    secretsmanager = var.endpoint
    sqs            = var.endpoint
    sts            = var.endpoint
  }
}
