# An application's log group: a metric filter counting its errors, an alarm on that
# metric notifying a topic, a dashboard graphing it, and a subscription streaming the
# log to Kinesis through a role; a resource policy letting EventBridge write to logs.
resource "aws_sns_topic" "alerts" {
  name = "tfgen-alerts"
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/tfgen/app"
  retention_in_days = 7
}

resource "aws_cloudwatch_log_metric_filter" "errors" {
  name           = "tfgen-errors"
  log_group_name = aws_cloudwatch_log_group.app.name
  pattern        = "ERROR"
  metric_transformation {
    name      = "Errors"
    namespace = "TfGen/App"
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "tfgen-errors-high"
  alarm_description   = "Too many errors"
  namespace           = "TfGen/App"
  metric_name         = "Errors"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 3
  threshold           = 5
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
}

resource "aws_cloudwatch_dashboard" "app" {
  dashboard_name = "tfgen-app"
  dashboard_body = jsonencode({
    widgets = [{
      type       = "metric"
      x          = 0
      y          = 0
      width      = 12
      height     = 6
      properties = { title = "Errors", region = "us-east-1", metrics = [["TfGen/App", "Errors"]], stat = "Sum", period = 60 }
    }]
  })
}

resource "aws_kinesis_stream" "logs" {
  name             = "tfgen-log-stream"
  shard_count      = 1
  retention_period = 48
}

resource "aws_iam_role" "logs_to_kinesis" {
  name = "tfgen-logs-to-kinesis"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "logs.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_cloudwatch_log_subscription_filter" "to_kinesis" {
  name            = "tfgen-to-kinesis"
  log_group_name  = aws_cloudwatch_log_group.app.name
  filter_pattern  = "WARN"
  destination_arn = aws_kinesis_stream.logs.arn
  role_arn        = aws_iam_role.logs_to_kinesis.arn
}

resource "aws_cloudwatch_log_resource_policy" "events" {
  policy_name = "tfgen-events-to-logs"
  policy_document = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "EventsToLogs", Effect = "Allow", Principal = { Service = "events.amazonaws.com" }, Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "arn:aws:logs:us-east-1:123456789012:log-group:/tfgen/*" }]
  })
}

output "alarm_arn" { value = aws_cloudwatch_metric_alarm.errors.arn }
output "stream_arn" { value = aws_kinesis_stream.logs.arn }
