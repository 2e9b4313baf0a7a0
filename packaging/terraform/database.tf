# RDS MySQL 8: Multi-AZ, encrypted, private, deletion protection, 30-day backups with point-in-time
# recovery, TLS required, a read replica for reports, and a weekly snapshot copy to the DR region.

resource "aws_db_subnet_group" "main" {
  name       = "fllc-${var.environment}"
  subnet_ids = aws_subnet.data[*].id
}

resource "aws_db_parameter_group" "mysql8" {
  name   = "fllc-${var.environment}-mysql8"
  family = "mysql8.0"
  parameter {
    name  = "require_secure_transport"
    value = "1"
  }
  parameter {
    name  = "slow_query_log"
    value = "1"
  }
  parameter {
    name  = "long_query_time"
    value = "1"
  }
}

locals {
  db_common = {
    instance_class = var.db_instance_class
    kms_key_id     = aws_kms_key.main.arn
  }
}

resource "aws_db_instance" "primary" {
  identifier                            = "fllc-${var.environment}"
  engine                                = "mysql"
  engine_version                        = "8.0"
  instance_class                        = local.db_common.instance_class
  allocated_storage                     = 100
  max_allocated_storage                 = 1000
  storage_type                          = "gp3"
  db_name                               = "fllc"
  username                              = "fllc_admin"
  manage_master_user_password           = true
  master_user_secret_kms_key_id         = aws_kms_key.main.arn
  multi_az                              = true
  storage_encrypted                     = true
  kms_key_id                            = local.db_common.kms_key_id
  publicly_accessible                   = false
  deletion_protection                   = true
  backup_retention_period               = 30 # and with it point-in-time recovery to any second
  backup_window                         = "09:00-10:00"
  maintenance_window                    = "sun:10:30-sun:11:30"
  copy_tags_to_snapshot                 = true
  skip_final_snapshot                   = false
  final_snapshot_identifier             = "fllc-${var.environment}-final"
  db_subnet_group_name                  = aws_db_subnet_group.main.name
  vpc_security_group_ids                = [aws_security_group.db.id]
  parameter_group_name                  = aws_db_parameter_group.mysql8.name
  auto_minor_version_upgrade            = true
  iam_database_authentication_enabled   = true
  enabled_cloudwatch_logs_exports       = ["error", "slowquery"]
  monitoring_interval                   = 60
  monitoring_role_arn                   = aws_iam_role.rds_monitoring.arn
  performance_insights_enabled          = true
  performance_insights_kms_key_id       = aws_kms_key.main.arn
  performance_insights_retention_period = 7
  ca_cert_identifier                    = "rds-ca-rsa2048-g1"
  depends_on                            = [aws_cloudwatch_log_group.rds_error, aws_cloudwatch_log_group.rds_slowquery]
}

# Reports read here (FLLC_DATABASE_REPLICA_URL); a replica can be promoted if the primary is lost.
resource "aws_db_instance" "replica" {
  #checkov:skip=CKV_AWS_157:a read replica for reports; the primary is the Multi-AZ one and a lost replica is rebuilt from it
  identifier                            = "fllc-${var.environment}-replica"
  replicate_source_db                   = aws_db_instance.primary.identifier
  instance_class                        = local.db_common.instance_class
  storage_encrypted                     = true
  kms_key_id                            = local.db_common.kms_key_id
  publicly_accessible                   = false
  deletion_protection                   = true
  backup_retention_period               = 7
  copy_tags_to_snapshot                 = true
  skip_final_snapshot                   = true
  vpc_security_group_ids                = [aws_security_group.db.id]
  parameter_group_name                  = aws_db_parameter_group.mysql8.name
  auto_minor_version_upgrade            = true
  iam_database_authentication_enabled   = true
  enabled_cloudwatch_logs_exports       = ["error", "slowquery"]
  monitoring_interval                   = 60
  monitoring_role_arn                   = aws_iam_role.rds_monitoring.arn
  performance_insights_enabled          = true
  performance_insights_kms_key_id       = aws_kms_key.main.arn
  performance_insights_retention_period = 7
  ca_cert_identifier                    = "rds-ca-rsa2048-g1"
}

resource "aws_iam_role" "rds_monitoring" {
  name = "fllc-${var.environment}-rds-monitoring"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  role       = aws_iam_role.rds_monitoring.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

# Weekly snapshot, copied to the DR region (AWS Backup), kept a year in both.
resource "aws_backup_vault" "primary" {
  name        = "fllc-${var.environment}"
  kms_key_arn = aws_kms_key.main.arn
}

resource "aws_backup_vault" "dr" {
  provider    = aws.dr
  name        = "fllc-${var.environment}-dr"
  kms_key_arn = aws_kms_key.dr.arn
}

resource "aws_backup_plan" "weekly" {
  name = "fllc-${var.environment}-weekly"
  rule {
    rule_name         = "weekly-with-dr-copy"
    target_vault_name = aws_backup_vault.primary.name
    schedule          = "cron(0 11 ? * SUN *)"
    lifecycle {
      delete_after = 365
    }
    copy_action {
      destination_vault_arn = aws_backup_vault.dr.arn
      lifecycle {
        delete_after = 365
      }
    }
  }
}

resource "aws_backup_selection" "database" {
  name         = "fllc-${var.environment}-database"
  plan_id      = aws_backup_plan.weekly.id
  iam_role_arn = aws_iam_role.backup.arn
  resources    = [aws_db_instance.primary.arn]
}

resource "aws_iam_role" "backup" {
  name = "fllc-${var.environment}-backup"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "backup.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "backup" {
  role       = aws_iam_role.backup.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
}
