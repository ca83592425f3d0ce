# A Fargate service behind an application load balancer in the default VPC: the load
# balancer's and the tasks' security groups with rules naming each other, a target
# group, a listener forwarding to it and a rule for /api/*, the cluster, the task
# definition and the service registered with the target group.
data "aws_vpc" "default" {
  default = true
}

data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
}

resource "aws_security_group" "lb" {
  name        = "tfgen-web-lb"
  description = "The load balancer"
  vpc_id      = data.aws_vpc.default.id
  ingress {
    protocol    = "tcp"
    from_port   = 80
    to_port     = 80
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "tasks" {
  name        = "tfgen-web-tasks"
  description = "The service tasks"
  vpc_id      = data.aws_vpc.default.id
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_lb" {
  security_group_id            = aws_security_group.tasks.id
  referenced_security_group_id = aws_security_group.lb.id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
  description                  = "From the load balancer"
}

resource "aws_security_group_rule" "lb_to_tasks" {
  type                     = "egress"
  security_group_id        = aws_security_group.lb.id
  source_security_group_id = aws_security_group.tasks.id
  protocol                 = "tcp"
  from_port                = 8080
  to_port                  = 8080
}

resource "aws_lb" "web" {
  name               = "tfgen-web"
  load_balancer_type = "application"
  subnets            = data.aws_subnets.default.ids
  security_groups    = [aws_security_group.lb.id]
}

resource "aws_lb_target_group" "web" {
  name        = "tfgen-web"
  port        = 8080
  protocol    = "HTTP"
  vpc_id      = data.aws_vpc.default.id
  target_type = "ip"
  health_check {
    path    = "/health"
    matcher = "200"
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

resource "aws_lb_listener_rule" "api" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 10
  condition {
    path_pattern {
      values = ["/api/*"]
    }
  }
  action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "moved"
      status_code  = "404"
    }
  }
}

resource "aws_ecs_cluster" "web" {
  name = "tfgen-web"
}

resource "aws_ecs_task_definition" "web" {
  family                   = "tfgen-web"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "256"
  memory                   = "512"
  container_definitions = jsonencode([{
    name         = "web"
    image        = "public.ecr.aws/nginx/nginx:latest"
    essential    = true
    portMappings = [{ containerPort = 8080, protocol = "tcp" }]
    environment  = [{ name = "STAGE", value = "dev" }]
  }])
}

resource "aws_ecs_service" "web" {
  name            = "tfgen-web"
  cluster         = aws_ecs_cluster.web.id
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 2
  launch_type     = "FARGATE"
  network_configuration {
    subnets         = data.aws_subnets.default.ids
    security_groups = [aws_security_group.tasks.id]
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.web.arn
    container_name   = "web"
    container_port   = 8080
  }
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  depends_on = [aws_lb_listener.http]
}

output "lb_dns" { value = aws_lb.web.dns_name }
output "service_arn" { value = aws_ecs_service.web.id }
