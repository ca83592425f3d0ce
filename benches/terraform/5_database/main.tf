# Alex module 5 (seed 000, terraform/5_database) in HCL, for the benchmark: the same
# resources as modules/5_database.toml, named with a -tf suffix.

variable "db_password" {
  type      = string
  default   = "benchmark-only-password-0123456789"
  sensitive = true
}

data "aws_vpc" "default" {
  default = true
}

data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
}

resource "aws_secretsmanager_secret" "db_credentials" {
  name                    = "alex-aurora-credentials-tf"
  description             = "Master credentials for alex-aurora-cluster"
  recovery_window_in_days = 0
}

resource "aws_secretsmanager_secret_version" "db_credentials" {
  secret_id     = aws_secretsmanager_secret.db_credentials.id
  secret_string = jsonencode({ username = "alexadmin", password = var.db_password })
}

resource "aws_db_subnet_group" "aurora" {
  name       = "alex-aurora-subnet-group-tf"
  subnet_ids = data.aws_subnets.default.ids
}

resource "aws_security_group" "aurora" {
  name        = "alex-aurora-sg-tf"
  description = "Aurora PostgreSQL for Alex"
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
  cluster_identifier      = "alex-aurora-cluster-tf"
  engine                  = "aurora-postgresql"
  engine_mode             = "provisioned"
  engine_version          = "15.12"
  database_name           = "alex"
  master_username         = "alexadmin"
  master_password         = var.db_password
  db_subnet_group_name    = aws_db_subnet_group.aurora.name
  vpc_security_group_ids  = [aws_security_group.aurora.id]
  enable_http_endpoint    = true
  backup_retention_period = 7
  skip_final_snapshot     = true
  apply_immediately       = true
  serverlessv2_scaling_configuration {
    min_capacity = 0.5
    max_capacity = 1.0
  }
}

resource "aws_rds_cluster_instance" "aurora" {
  identifier         = "alex-aurora-instance-tf"
  cluster_identifier = aws_rds_cluster.aurora.id
  instance_class     = "db.serverless"
  engine             = aws_rds_cluster.aurora.engine
}

resource "aws_iam_role" "lambda_aurora" {
  name = "alex-lambda-aurora-role-tf"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "lambda_basic" {
  role       = aws_iam_role.lambda_aurora.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy" "data_api" {
  name = "data_api"
  role = aws_iam_role.lambda_aurora.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["rds-data:ExecuteStatement", "rds-data:BatchExecuteStatement"], Resource = aws_rds_cluster.aurora.arn },
      { Effect = "Allow", Action = ["secretsmanager:GetSecretValue"], Resource = aws_secretsmanager_secret.db_credentials.arn },
    ]
  })
}

output "aurora_secret_arn" {
  value = aws_secretsmanager_secret.db_credentials.arn
}
