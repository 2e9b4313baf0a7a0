# ECS Fargate: the API service behind the ALB (rolling deploys, deployment circuit breaker with
# automatic rollback, health checks on /readyz), the job-queue worker and the one scheduler.
# The image runs read-only with a writable data volume; secrets come from Secrets Manager.

resource "aws_ecs_cluster" "main" {
  name = "fllc-${var.environment}"
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
  configuration {
    execute_command_configuration {
      kms_key_id = aws_kms_key.main.arn
      logging    = "OVERRIDE"
      log_configuration {
        cloud_watch_encryption_enabled = true
        cloud_watch_log_group_name     = aws_cloudwatch_log_group.api.name
      }
    }
  }
}

locals {
  redis_host = aws_elasticache_replication_group.main.primary_endpoint_address
  common_environment = [
    { name = "FLLC_ENVIRONMENT", value = "production" },
    { name = "FLLC_DATA_DIR", value = "/var/lib/fllc" },
    { name = "FLLC_DB_HOST", value = aws_db_instance.primary.address },
    { name = "FLLC_DB_NAME", value = "fllc" },
    { name = "FLLC_DB_REPLICA_HOST", value = aws_db_instance.replica.address },
    { name = "FLLC_REDIS_HOST", value = local.redis_host },
    { name = "FLLC_REDIS_TLS", value = "true" },
    { name = "FLLC_STORAGE_URL", value = "s3://${aws_s3_bucket.files.id}/" },
    { name = "FLLC_LOG_JSON", value = "true" },
  ]
  common_secrets = [
    { name = "FLLC_SECRET_KEY", valueFrom = aws_secretsmanager_secret.secret_key.arn },
    { name = "FLLC_REDIS_AUTH_TOKEN", valueFrom = aws_secretsmanager_secret.redis_auth.arn },
    { name = "FLLC_DB_USER", valueFrom = "${aws_db_instance.primary.master_user_secret[0].secret_arn}:username::" },
    { name = "FLLC_DB_PASSWORD", valueFrom = "${aws_db_instance.primary.master_user_secret[0].secret_arn}:password::" },
  ]
  roles = {
    api       = { command = ["serve", "--host", "0.0.0.0", "--port", tostring(var.app_port), "--workers", "2"], log_group = aws_cloudwatch_log_group.api.name }
    worker    = { command = ["worker"], log_group = aws_cloudwatch_log_group.worker.name }
    scheduler = { command = ["scheduler"], log_group = aws_cloudwatch_log_group.worker.name }
  }
}

resource "aws_ecs_task_definition" "role" {
  for_each                 = local.roles
  family                   = "fllc-${var.environment}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.key == "api" ? 1024 : 512
  memory                   = each.key == "api" ? 2048 : 1024
  execution_role_arn       = aws_iam_role.task_execution.arn
  task_role_arn            = aws_iam_role.task.arn
  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }
  volume {
    name = "data"
  }
  volume {
    name = "tmp"
  }
  container_definitions = jsonencode([{
    name                   = "fllc-${each.key}"
    image                  = var.image
    command                = each.value.command
    essential              = true
    readonlyRootFilesystem = true
    privileged             = false
    user                   = "10001:10001"
    stopTimeout            = 40 # SIGTERM drain: in-flight requests finish, WebSockets close with 1001
    portMappings           = each.key == "api" ? [{ containerPort = var.app_port, protocol = "tcp" }] : []
    environment            = local.common_environment
    secrets                = local.common_secrets
    mountPoints = [
      { sourceVolume = "data", containerPath = "/var/lib/fllc", readOnly = false },
      { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
    ]
    healthCheck = each.key == "api" ? {
      command     = ["CMD", "fllc-healthcheck"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 60
    } : null
    linuxParameters = { initProcessEnabled = true, capabilities = { drop = ["ALL"] } }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = each.value.log_group
        awslogs-region        = var.region
        awslogs-stream-prefix = each.key
      }
    }
  }])
}

resource "aws_ecs_service" "api" {
  name                               = "fllc-${var.environment}-api"
  cluster                            = aws_ecs_cluster.main.id
  task_definition                    = aws_ecs_task_definition.role["api"].arn
  desired_count                      = var.api_desired_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = 60
  propagate_tags                     = "SERVICE"
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  network_configuration {
    subnets          = aws_subnet.app[*].id
    security_groups  = [aws_security_group.app.id]
    assign_public_ip = false
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "fllc-api"
    container_port   = var.app_port
  }
  depends_on = [aws_lb_listener.https]
}

resource "aws_ecs_service" "worker" {
  name                               = "fllc-${var.environment}-worker"
  cluster                            = aws_ecs_cluster.main.id
  task_definition                    = aws_ecs_task_definition.role["worker"].arn
  desired_count                      = var.worker_desired_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  propagate_tags                     = "SERVICE"
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  network_configuration {
    subnets          = aws_subnet.app[*].id
    security_groups  = [aws_security_group.app.id]
    assign_public_ip = false
  }
}

# Exactly one scheduler: the old task stops before the new one starts (maximum 100 %).
resource "aws_ecs_service" "scheduler" {
  name                               = "fllc-${var.environment}-scheduler"
  cluster                            = aws_ecs_cluster.main.id
  task_definition                    = aws_ecs_task_definition.role["scheduler"].arn
  desired_count                      = 1
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 100
  propagate_tags                     = "SERVICE"
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  network_configuration {
    subnets          = aws_subnet.app[*].id
    security_groups  = [aws_security_group.app.id]
    assign_public_ip = false
  }
}

# The execution role pulls the image and reads the secrets; the task role is what the server may do.
resource "aws_iam_role" "task_execution" {
  name = "fllc-${var.environment}-task-execution"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "task_execution" {
  role       = aws_iam_role.task_execution.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_iam_role_policy" "task_execution_secrets" {
  name = "read-fllc-secrets"
  role = aws_iam_role.task_execution.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Action = ["secretsmanager:GetSecretValue"]
        Resource = [
          aws_secretsmanager_secret.secret_key.arn,
          aws_secretsmanager_secret.redis_auth.arn,
          aws_db_instance.primary.master_user_secret[0].secret_arn,
        ]
      },
      {
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = aws_kms_key.main.arn
      },
    ]
  })
}

resource "aws_iam_role" "task" {
  name = "fllc-${var.environment}-task"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "task_files" {
  name = "reports-and-backups"
  role = aws_iam_role.task.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = aws_s3_bucket.files.arn
      },
      {
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = "${aws_s3_bucket.files.arn}/*"
      },
      {
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = aws_kms_key.main.arn
      },
    ]
  })
}
