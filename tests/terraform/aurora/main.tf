# Aurora Serverless v2 as seed 000's 5_database makes it: a generated password kept
# in a Secrets Manager secret as {"username","password"}, the cluster and its instance
# in the default VPC's subnets, behind a security group. The password comes from
# Secrets Manager's own generator (the aws provider alone; the random provider's
# random_password is read the same way), and, as every generated value must be in
# Terraform, is kept from being generated anew on each plan with ignore_changes.
data "aws_vpc" "default" {
  default = true
}

data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
}

data "aws_secretsmanager_random_password" "db" {
  password_length     = 32
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret" "db_credentials" {
  name                    = "tfgen-aurora-credentials"
  recovery_window_in_days = 0
}

resource "aws_secretsmanager_secret_version" "db_credentials" {
  secret_id     = aws_secretsmanager_secret.db_credentials.id
  secret_string = jsonencode({ username = "tfadmin", password = data.aws_secretsmanager_random_password.db.random_password })
  lifecycle {
    ignore_changes = [secret_string]
  }
}

resource "aws_db_subnet_group" "aurora" {
  name       = "tfgen-aurora-subnets"
  subnet_ids = data.aws_subnets.default.ids
}

resource "aws_security_group" "aurora" {
  name        = "tfgen-aurora-sg"
  description = "Aurora PostgreSQL"
  vpc_id      = data.aws_vpc.default.id
  ingress {
    protocol    = "tcp"
    from_port   = 5432
    to_port     = 5432
    cidr_blocks = [data.aws_vpc.default.cidr_block]
  }
  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_rds_cluster" "aurora" {
  cluster_identifier     = "tfgen-aurora"
  engine                 = "aurora-postgresql"
  engine_mode            = "provisioned"
  engine_version         = "15.12"
  database_name          = "tfgen"
  master_username        = "tfadmin"
  master_password        = data.aws_secretsmanager_random_password.db.random_password
  db_subnet_group_name   = aws_db_subnet_group.aurora.name
  vpc_security_group_ids = [aws_security_group.aurora.id]
  skip_final_snapshot    = true
  serverlessv2_scaling_configuration {
    min_capacity = 0.5
    max_capacity = 1
  }
  lifecycle {
    ignore_changes = [master_password]
  }
}

resource "aws_rds_cluster_instance" "aurora" {
  identifier         = "tfgen-aurora-instance-1"
  cluster_identifier = aws_rds_cluster.aurora.id
  instance_class     = "db.serverless"
  engine             = aws_rds_cluster.aurora.engine
  engine_version     = aws_rds_cluster.aurora.engine_version
}

output "cluster_arn" { value = aws_rds_cluster.aurora.arn }
output "secret_arn" { value = aws_secretsmanager_secret.db_credentials.arn }
