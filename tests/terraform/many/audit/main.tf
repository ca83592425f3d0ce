resource "aws_sqs_queue" "events" {
  name                      = "tfgen-audit-events"
  message_retention_seconds = 345600
  delay_seconds             = 5
}

output "events_arn" { value = aws_sqs_queue.events.arn }
