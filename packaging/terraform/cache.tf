# ElastiCache Redis 7: a primary and two replicas over the AZs, automatic failover, encrypted at rest
# (KMS) and in transit (TLS), AUTH token from Secrets Manager.

resource "aws_elasticache_subnet_group" "main" {
  name       = "fllc-${var.environment}"
  subnet_ids = aws_subnet.data[*].id
}

resource "aws_elasticache_replication_group" "main" {
  replication_group_id       = "fllc-${var.environment}"
  description                = "FLLC Warehouse cache, rate limits, pub/sub and job queue"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = var.cache_node_type
  num_cache_clusters         = 3
  port                       = 6379
  parameter_group_name       = "default.redis7"
  automatic_failover_enabled = true
  multi_az_enabled           = true
  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.main.arn
  transit_encryption_enabled = true
  auth_token                 = random_password.redis_auth.result
  auth_token_update_strategy = "ROTATE"
  subnet_group_name          = aws_elasticache_subnet_group.main.name
  security_group_ids         = [aws_security_group.cache.id]
  snapshot_retention_limit   = 7
  snapshot_window            = "08:00-09:00"
  maintenance_window         = "sun:11:30-sun:12:30"
  auto_minor_version_upgrade = true
  apply_immediately          = false
  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.redis_slow.name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }
  lifecycle {
    ignore_changes = [auth_token] # rotation (rotation/rotate_secret.py) owns it after the first apply
  }
}
