# Data sources infra has lookups for: the account, and the default VPC whose id a
# parameter holds (written as `${data.default.id}`, not the literal id).
data "aws_caller_identity" "me" {}

data "aws_vpc" "default" {
  default = true
}

data "aws_availability_zones" "available" {}

resource "aws_ssm_parameter" "vpc" {
  name  = "/tfgen/vpc-id"
  type  = "String"
  value = data.aws_vpc.default.id
}

output "account_id" { value = data.aws_caller_identity.me.account_id }
