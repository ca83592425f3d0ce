# A table with two global secondary indexes and TTL.
resource "aws_dynamodb_table" "trades" {
  name         = "tfgen-trades"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "sk"
    type = "S"
  }
  attribute {
    name = "status"
    type = "S"
  }
  attribute {
    name = "account"
    type = "S"
  }

  global_secondary_index {
    name            = "by-status"
    hash_key        = "status"
    range_key       = "sk"
    projection_type = "ALL"
  }
  global_secondary_index {
    name            = "by-account"
    hash_key        = "account"
    projection_type = "KEYS_ONLY"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }
}

output "table_name" { value = aws_dynamodb_table.trades.name }
