# The same resource many times: queues by for_each (each with its own dead-letter
# queue of the same key), log groups by count, a child module with its own queue, and
# a root queue whose dead-letter queue is the child module's (a reference across modules).
locals {
  regions = toset(["eu", "us", "ap"])
}

resource "aws_sqs_queue" "dlq" {
  for_each = local.regions
  name     = "tfgen-${each.key}-dlq"
}

resource "aws_sqs_queue" "jobs" {
  for_each                   = local.regions
  name                       = "tfgen-${each.key}-jobs"
  visibility_timeout_seconds = 60
  redrive_policy             = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn, maxReceiveCount = 4 })
}

resource "aws_cloudwatch_log_group" "shard" {
  count             = 2
  name              = "/tfgen/shard-${count.index}"
  retention_in_days = 30
}

module "audit" {
  source = "./audit"
}

resource "aws_sqs_queue" "relay" {
  name           = "tfgen-relay"
  redrive_policy = jsonencode({ deadLetterTargetArn = module.audit.events_arn, maxReceiveCount = 3 })
}
