# A VPC whose traffic is logged to a log group through a role, with a private subnet
# whose route table reaches S3 through a gateway endpoint.
resource "aws_vpc" "main" {
  cidr_block = "10.52.0.0/16"
  tags       = { Name = "tfgen-net" }
}

resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.52.1.0/24"
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table_association" "private" {
  subnet_id      = aws_subnet.private.id
  route_table_id = aws_route_table.private.id
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.us-east-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
  tags              = { Name = "tfgen-s3" }
}

resource "aws_cloudwatch_log_group" "flows" {
  name              = "/tfgen/vpc-flows"
  retention_in_days = 30
}

resource "aws_iam_role" "flows" {
  name = "tfgen-vpc-flows"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "vpc-flow-logs.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_flow_log" "main" {
  vpc_id                   = aws_vpc.main.id
  traffic_type             = "REJECT"
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flows.arn
  iam_role_arn             = aws_iam_role.flows.arn
  max_aggregation_interval = 60
}

output "vpc_id" { value = aws_vpc.main.id }
output "endpoint_id" { value = aws_vpc_endpoint.s3.id }
