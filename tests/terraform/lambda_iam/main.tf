# A function, its execution role (a managed policy attached, an inline policy) and its
# log group. lambda.zip is written by the test before `terraform apply`.
resource "aws_iam_role" "exec" {
  name = "tfgen-worker-role"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "basic" {
  role       = aws_iam_role.exec.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_cloudwatch_log_group" "worker" {
  name              = "/aws/lambda/tfgen-worker"
  retention_in_days = 14
}

resource "aws_iam_role_policy" "logs" {
  name = "logs"
  role = aws_iam_role.exec.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["logs:PutLogEvents"], Resource = "${aws_cloudwatch_log_group.worker.arn}:*" }]
  })
}

resource "aws_lambda_function" "worker" {
  function_name    = "tfgen-worker"
  role             = aws_iam_role.exec.arn
  runtime          = "python3.12"
  handler          = "handler.main"
  filename         = "lambda.zip"
  source_code_hash = filebase64sha256("lambda.zip")
  timeout          = 30
  memory_size      = 256
  environment {
    variables = { LOG_GROUP = aws_cloudwatch_log_group.worker.name, STAGE = "dev" }
  }
}

output "function_arn" { value = aws_lambda_function.worker.arn }
output "role_arn" { value = aws_iam_role.exec.arn }
