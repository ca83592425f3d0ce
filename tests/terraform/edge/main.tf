# A hosted zone, a certificate validated through records in it, and a bucket served by
# CloudFront through an origin access control, with an alias record for the site.
resource "aws_route53_zone" "main" {
  name    = "tfgen-example.com"
  comment = "tfgen site"
}

resource "aws_acm_certificate" "site" {
  domain_name               = "tfgen-example.com"
  subject_alternative_names = ["www.tfgen-example.com"]
  validation_method         = "DNS"
}

resource "aws_route53_record" "validation" {
  for_each = { for o in aws_acm_certificate.site.domain_validation_options : o.domain_name => o }
  zone_id  = aws_route53_zone.main.zone_id
  name     = each.value.resource_record_name
  type     = each.value.resource_record_type
  ttl      = 300
  records  = [each.value.resource_record_value]
}

resource "aws_acm_certificate_validation" "site" {
  certificate_arn         = aws_acm_certificate.site.arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

resource "aws_s3_bucket" "site" {
  bucket = "tfgen-site-content"
}

resource "aws_cloudfront_origin_access_control" "site" {
  name                              = "tfgen-site"
  description                       = "The site bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_distribution" "site" {
  enabled             = true
  comment             = "tfgen site"
  default_root_object = "index.html"
  price_class         = "PriceClass_100"
  origin {
    origin_id                = "s3-origin"
    domain_name              = aws_s3_bucket.site.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.site.id
  }
  default_cache_behavior {
    target_origin_id       = "s3-origin"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    cache_policy_id        = "658327ea-f89d-4fab-a63d-7e88639e58f6"
  }
  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }
  viewer_certificate {
    cloudfront_default_certificate = true
  }
}

resource "aws_route53_record" "www" {
  zone_id = aws_route53_zone.main.zone_id
  name    = "www.tfgen-example.com"
  type    = "A"
  alias {
    name                   = aws_cloudfront_distribution.site.domain_name
    zone_id                = aws_cloudfront_distribution.site.hosted_zone_id
    evaluate_target_health = false
  }
}

output "zone_id" { value = aws_route53_zone.main.zone_id }
output "certificate_arn" { value = aws_acm_certificate_validation.site.certificate_arn }
output "site_domain" { value = aws_cloudfront_distribution.site.domain_name }
