# A KMS key with an alias, a managed policy attached to a role that an instance profile
# carries, an OIDC provider, and a function published under an alias with a URL, fed by
# a queue. lambda.zip is written by the test before `terraform apply`.
resource "aws_kms_key" "data" {
  description             = "tfgen data key"
  deletion_window_in_days = 7
  enable_key_rotation     = true
}

resource "aws_kms_alias" "data" {
  name          = "alias/tfgen-data"
  target_key_id = aws_kms_key.data.key_id
}

resource "aws_iam_policy" "read_data" {
  name        = "tfgen-read-data"
  description = "Decrypt with the data key"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["kms:Decrypt"], Resource = aws_kms_key.data.arn }]
  })
}

resource "aws_iam_role" "app" {
  name = "tfgen-app-role"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = ["ec2.amazonaws.com", "lambda.amazonaws.com"] }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "read_data" {
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.read_data.arn
}

resource "aws_iam_instance_profile" "app" {
  name = "tfgen-app-profile"
  role = aws_iam_role.app.name
}

resource "aws_iam_openid_connect_provider" "ci" {
  url             = "https://token.actions.githubusercontent.com"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
}

resource "aws_lambda_layer_version" "deps" {
  layer_name          = "tfgen-deps"
  filename            = "lambda.zip"
  source_code_hash    = filebase64sha256("lambda.zip")
  compatible_runtimes = ["python3.12"]
  description         = "Shared code"
}

resource "aws_lambda_function" "worker" {
  function_name    = "tfgen-platform-worker"
  role             = aws_iam_role.app.arn
  runtime          = "python3.12"
  handler          = "handler.main"
  filename         = "lambda.zip"
  source_code_hash = filebase64sha256("lambda.zip")
  publish          = true
  layers           = [aws_lambda_layer_version.deps.arn]
}

resource "aws_lambda_alias" "live" {
  name             = "live"
  function_name    = aws_lambda_function.worker.function_name
  function_version = aws_lambda_function.worker.version
  description      = "What callers use"
}

resource "aws_lambda_function_url" "live" {
  function_name      = aws_lambda_function.worker.function_name
  qualifier          = aws_lambda_alias.live.name
  authorization_type = "AWS_IAM"
}

resource "aws_sqs_queue" "jobs" {
  name                       = "tfgen-platform-jobs"
  visibility_timeout_seconds = 60
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.worker.arn
  batch_size       = 5
}

output "key_arn" { value = aws_kms_key.data.arn }
output "function_url" { value = aws_lambda_function_url.live.function_url }
