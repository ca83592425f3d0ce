# A topic delivering to a queue (the queue's policy lets the topic and a bucket send),
# the topic's own policy letting EventBridge publish, a custom event bus whose rule
# targets the topic, a schedule sending to the queue through a role, and a bucket with
# a policy whose new objects are announced on the queue.
resource "aws_sns_topic" "orders" {
  name = "tfgen-orders-topic"
}

resource "aws_sqs_queue" "inbox" {
  name = "tfgen-order-inbox"
}

resource "aws_sns_topic_subscription" "inbox" {
  topic_arn            = aws_sns_topic.orders.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.inbox.arn
  raw_message_delivery = true
}

resource "aws_sqs_queue_policy" "inbox" {
  queue_url = aws_sqs_queue.inbox.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "FromTopic"
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.inbox.arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.orders.arn } }
      }, {
      Sid       = "FromBucket"
      Effect    = "Allow"
      Principal = { Service = "s3.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.inbox.arn
      Condition = { ArnLike = { "aws:SourceArn" = aws_s3_bucket.uploads.arn } }
    }]
  })
}

resource "aws_sns_topic_policy" "orders" {
  arn = aws_sns_topic.orders.arn
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "FromEvents", Effect = "Allow", Principal = { Service = "events.amazonaws.com" }, Action = "sns:Publish", Resource = aws_sns_topic.orders.arn }]
  })
}

resource "aws_cloudwatch_event_bus" "orders" {
  name = "tfgen-orders-bus"
}

resource "aws_cloudwatch_event_rule" "placed" {
  name           = "tfgen-order-placed"
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  description    = "Orders placed"
  event_pattern  = jsonencode({ source = ["tfgen.orders"], detail-type = ["OrderPlaced"] })
}

resource "aws_cloudwatch_event_target" "to_topic" {
  rule           = aws_cloudwatch_event_rule.placed.name
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  target_id      = "to-topic"
  arn            = aws_sns_topic.orders.arn
}

resource "aws_iam_role" "scheduler" {
  name = "tfgen-scheduler-role"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "scheduler.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_scheduler_schedule" "nightly" {
  name                = "tfgen-nightly"
  schedule_expression = "cron(0 2 * * ? *)"
  flexible_time_window {
    mode                      = "FLEXIBLE"
    maximum_window_in_minutes = 15
  }
  target {
    arn      = aws_sqs_queue.inbox.arn
    role_arn = aws_iam_role.scheduler.arn
  }
}

resource "aws_s3_bucket" "uploads" {
  bucket        = "tfgen-order-uploads"
  force_destroy = true
}

resource "aws_s3_bucket_policy" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "TlsOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.uploads.arn, "${aws_s3_bucket.uploads.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

resource "aws_s3_bucket_notification" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  queue {
    id            = "new-csv"
    queue_arn     = aws_sqs_queue.inbox.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "incoming/"
    filter_suffix = ".csv"
  }
  depends_on = [aws_sqs_queue_policy.inbox]
}

output "topic_arn" { value = aws_sns_topic.orders.arn }
output "bus_arn" { value = aws_cloudwatch_event_bus.orders.arn }
