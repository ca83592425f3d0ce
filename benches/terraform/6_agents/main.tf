# Alex module 6 (seed 000, terraform/6_agents) in HCL, for the benchmark: the same
# resources as modules/6_agents.toml, named with a -tf suffix. The upstream values the
# seed copies in with sync_arns.py are variables here.

variable "aurora_cluster_arn" {
  type    = string
  default = "arn:aws:rds:us-east-1:123456789012:cluster:alex-aurora-cluster"
}

variable "aurora_secret_arn" {
  type    = string
  default = "arn:aws:secretsmanager:us-east-1:123456789012:secret:alex-aurora-credentials-abc-XyZ123"
}

locals {
  agents = {
    planner    = { timeout = 900, memory = 2048 }
    tagger     = { timeout = 300, memory = 1024 }
    reporter   = { timeout = 300, memory = 1024 }
    charter    = { timeout = 300, memory = 1024 }
    retirement = { timeout = 300, memory = 1024 }
  }
}

resource "aws_sqs_queue" "dlq" {
  name                      = "alex-analysis-jobs-dlq-tf"
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "jobs" {
  name                       = "alex-analysis-jobs-tf"
  visibility_timeout_seconds = 910
  message_retention_seconds  = 86400
  redrive_policy             = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = 3 })
}

resource "aws_s3_bucket" "packages" {
  bucket        = "alex-lambda-packages-tf-123456789012"
  force_destroy = true
}

resource "aws_iam_role" "agents" {
  name = "alex-lambda-agents-role-tf"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "basic" {
  role       = aws_iam_role.agents.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy" "agents" {
  name = "agents"
  role = aws_iam_role.agents.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:SendMessage"], Resource = aws_sqs_queue.jobs.arn },
      { Effect = "Allow", Action = ["rds-data:ExecuteStatement"], Resource = var.aurora_cluster_arn },
      { Effect = "Allow", Action = ["secretsmanager:GetSecretValue"], Resource = var.aurora_secret_arn },
    ]
  })
}

resource "aws_cloudwatch_log_group" "agent" {
  for_each          = local.agents
  name              = "/aws/lambda/alex-${each.key}-tf"
  retention_in_days = 7
}

resource "aws_lambda_function" "agent" {
  for_each      = local.agents
  function_name = "alex-${each.key}-tf"
  role          = aws_iam_role.agents.arn
  runtime       = "python3.12"
  handler       = "lambda_handler.lambda_handler"
  filename      = var.code_zip
  timeout       = each.value.timeout
  memory_size   = each.value.memory
  environment {
    variables = {
      AURORA_CLUSTER_ARN = var.aurora_cluster_arn
      AURORA_SECRET_ARN  = var.aurora_secret_arn
      DATABASE_NAME      = "alex"
      BEDROCK_MODEL_ID   = "us.amazon.nova-pro-v1:0"
    }
  }
  depends_on = [aws_cloudwatch_log_group.agent]
}

resource "aws_lambda_event_source_mapping" "planner" {
  function_name    = aws_lambda_function.agent["planner"].arn
  event_source_arn = aws_sqs_queue.jobs.arn
  batch_size       = 1
}
