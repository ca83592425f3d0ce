# A model served by a serverless endpoint, as 2_sagemaker makes it: the model (an
# image and its role), the endpoint configuration and the endpoint.
resource "aws_iam_role" "sagemaker" {
  name = "tfgen-sagemaker-role"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "sagemaker.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_sagemaker_model" "embeddings" {
  name               = "tfgen-embeddings"
  execution_role_arn = aws_iam_role.sagemaker.arn
  primary_container {
    image       = "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:1.13.1-transformers4.26.0-cpu-py39-ubuntu20.04"
    environment = { HF_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2", HF_TASK = "feature-extraction" }
  }
}

resource "aws_sagemaker_endpoint_configuration" "embeddings" {
  name = "tfgen-embeddings-config"
  production_variants {
    variant_name = "AllTraffic"
    model_name   = aws_sagemaker_model.embeddings.name
    serverless_config {
      memory_size_in_mb = 3072
      max_concurrency   = 2
    }
  }
}

resource "aws_sagemaker_endpoint" "embeddings" {
  name                 = "tfgen-embeddings"
  endpoint_config_name = aws_sagemaker_endpoint_configuration.embeddings.name
}

output "endpoint_name" { value = aws_sagemaker_endpoint.embeddings.name }
