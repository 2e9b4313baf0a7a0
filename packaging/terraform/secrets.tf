# Secrets Manager: the server's signing key and the Redis AUTH token, both rotated by the function
# in rotation/ (which also redeploys the ECS services so every task picks the new value up). The
# database's master password is managed and rotated by RDS itself (manage_master_user_password).

resource "aws_secretsmanager_secret" "secret_key" {
  name                    = "fllc/${var.environment}/secret-key"
  description             = "FLLC_SECRET_KEY: signs access tokens and refresh-token hashes"
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = 30
  tags                    = { "fllc:kind" = "signing-key" }
}

resource "aws_secretsmanager_secret" "redis_auth" {
  name                    = "fllc/${var.environment}/redis-auth-token"
  description             = "ElastiCache AUTH token"
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = 30
  tags                    = { "fllc:kind" = "redis-auth" }
}

resource "random_password" "redis_auth" {
  length  = 64
  special = false
}

resource "random_password" "secret_key" {
  length  = 64
  special = false
}

resource "aws_secretsmanager_secret_version" "redis_auth" {
  secret_id     = aws_secretsmanager_secret.redis_auth.id
  secret_string = random_password.redis_auth.result
  lifecycle {
    ignore_changes = [secret_string] # rotation owns the value after the first apply
  }
}

resource "aws_secretsmanager_secret_version" "secret_key" {
  secret_id     = aws_secretsmanager_secret.secret_key.id
  secret_string = random_password.secret_key.result
  lifecycle {
    ignore_changes = [secret_string]
  }
}

# A new signing key signs everyone out once (their desktops keep their outboxes and sync after signing
# in again), so it turns at the 90 days the benchmark asks for; the Redis token monthly.
resource "aws_secretsmanager_secret_rotation" "secret_key" {
  secret_id           = aws_secretsmanager_secret.secret_key.id
  rotation_lambda_arn = aws_lambda_function.rotate_secret.arn
  rotation_rules {
    automatically_after_days = 90
  }
}

resource "aws_secretsmanager_secret_rotation" "redis_auth" {
  secret_id           = aws_secretsmanager_secret.redis_auth.id
  rotation_lambda_arn = aws_lambda_function.rotate_secret.arn
  rotation_rules {
    automatically_after_days = 30
  }
}

resource "aws_secretsmanager_secret_rotation" "db_master" {
  secret_id = aws_db_instance.primary.master_user_secret[0].secret_arn
  rotation_rules {
    automatically_after_days = 30
  }
}

data "archive_file" "rotate_secret" {
  type        = "zip"
  source_file = "${path.module}/rotation/rotate_secret.py"
  output_path = "${path.module}/.build/rotate_secret.zip"
}

resource "aws_signer_signing_profile" "lambda" {
  platform_id = "AWSLambda-SHA384-ECDSA"
  name_prefix = "fllc_${var.environment}_"
}

resource "aws_lambda_code_signing_config" "main" {
  allowed_publishers {
    signing_profile_version_arns = [aws_signer_signing_profile.lambda.version_arn]
  }
  policies {
    untrusted_artifact_on_deployment = "Enforce"
  }
}

resource "aws_sqs_queue" "rotation_dlq" {
  name              = "fllc-${var.environment}-rotation-dlq"
  kms_master_key_id = aws_kms_key.main.arn
}

resource "aws_lambda_function" "rotate_secret" {
  function_name                  = "fllc-${var.environment}-rotate-secret"
  role                           = aws_iam_role.rotation.arn
  runtime                        = "python3.12"
  handler                        = "rotate_secret.handler"
  filename                       = data.archive_file.rotate_secret.output_path
  source_code_hash               = data.archive_file.rotate_secret.output_base64sha256
  timeout                        = 360
  reserved_concurrent_executions = 2
  kms_key_arn                    = aws_kms_key.main.arn
  code_signing_config_arn        = aws_lambda_code_signing_config.main.arn
  environment {
    variables = {
      REPLICATION_GROUP_ID = "fllc-${var.environment}"
      ECS_CLUSTER          = "fllc-${var.environment}"
      ECS_SERVICES         = "fllc-${var.environment}-api,fllc-${var.environment}-worker,fllc-${var.environment}-scheduler"
    }
  }
  vpc_config {
    subnet_ids         = aws_subnet.app[*].id
    security_group_ids = [aws_security_group.rotation.id]
  }
  dead_letter_config {
    target_arn = aws_sqs_queue.rotation_dlq.arn
  }
  tracing_config {
    mode = "Active"
  }
  depends_on = [aws_cloudwatch_log_group.rotation]
}

resource "aws_lambda_permission" "secrets_manager" {
  statement_id   = "SecretsManagerRotates"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.rotate_secret.function_name
  principal      = "secretsmanager.amazonaws.com"
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_iam_role" "rotation" {
  name = "fllc-${var.environment}-rotate-secret"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "rotation_vpc" {
  role       = aws_iam_role.rotation.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

resource "aws_iam_role_policy" "rotation" {
  name = "rotate-fllc-secrets"
  role = aws_iam_role.rotation.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Action = [
          "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
          "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage",
        ]
        Resource = [aws_secretsmanager_secret.secret_key.arn, aws_secretsmanager_secret.redis_auth.arn]
      },
      {
        Effect   = "Allow"
        Action   = ["elasticache:ModifyReplicationGroup", "elasticache:DescribeReplicationGroups"]
        Resource = aws_elasticache_replication_group.main.arn
      },
      {
        Effect   = "Allow"
        Action   = ["ecs:UpdateService"]
        Resource = [aws_ecs_service.api.id, aws_ecs_service.worker.id, aws_ecs_service.scheduler.id]
      },
      {
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = aws_kms_key.main.arn
      },
      {
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = aws_sqs_queue.rotation_dlq.arn
      },
      {
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.rotation.arn}:*"
      },
      {
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
    ]
  })
}
