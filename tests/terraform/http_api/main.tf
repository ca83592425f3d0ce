# An HTTP API whose route requires a JWT (an authorizer), deployed to a stage that a
# custom domain maps under /v1, with a wildcard certificate for the domain.
resource "aws_acm_certificate" "api" {
  domain_name       = "*.tfgen-example.org"
  validation_method = "DNS"
}

resource "aws_apigatewayv2_api" "orders" {
  name          = "tfgen-orders-api"
  protocol_type = "HTTP"
  description   = "Orders"
}

resource "aws_apigatewayv2_authorizer" "jwt" {
  api_id           = aws_apigatewayv2_api.orders.id
  name             = "tfgen-jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]
  jwt_configuration {
    issuer   = "https://auth.tfgen-example.org/"
    audience = ["orders"]
  }
}

resource "aws_apigatewayv2_route" "list" {
  api_id             = aws_apigatewayv2_api.orders.id
  route_key          = "GET /orders"
  authorization_type = "JWT"
  authorizer_id      = aws_apigatewayv2_authorizer.jwt.id
}

resource "aws_apigatewayv2_stage" "live" {
  api_id      = aws_apigatewayv2_api.orders.id
  name        = "live"
  auto_deploy = true
}

resource "aws_apigatewayv2_domain_name" "api" {
  domain_name = "api.tfgen-example.org"
  domain_name_configuration {
    certificate_arn = aws_acm_certificate.api.arn
    endpoint_type   = "REGIONAL"
    security_policy = "TLS_1_2"
  }
}

resource "aws_apigatewayv2_api_mapping" "v1" {
  api_id          = aws_apigatewayv2_api.orders.id
  domain_name     = aws_apigatewayv2_domain_name.api.id
  stage           = aws_apigatewayv2_stage.live.id
  api_mapping_key = "v1"
}

output "api_id" { value = aws_apigatewayv2_api.orders.id }
output "authorizer_id" { value = aws_apigatewayv2_authorizer.jwt.id }
