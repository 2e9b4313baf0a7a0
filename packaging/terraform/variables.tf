variable "region" {
  description = "Primary region (the seed's design: us-west-2)."
  type        = string
  default     = "us-west-2"
}

variable "dr_region" {
  description = "Disaster-recovery region for snapshot copies and the backups replica."
  type        = string
  default     = "us-east-1"
}

variable "environment" {
  description = "Environment name used in resource names."
  type        = string
  default     = "prod"
}

variable "availability_zones" {
  description = "The three availability zones the subnets are spread over."
  type        = list(string)
  default     = ["us-west-2a", "us-west-2b", "us-west-2c"]
}

variable "vpc_cidr" {
  description = "The VPC's address range."
  type        = string
  default     = "10.0.0.0/16"
}

variable "public_subnets" {
  description = "Public subnets (ALB, NAT gateways), one per AZ."
  type        = list(string)
  default     = ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
}

variable "app_subnets" {
  description = "Application subnets (ECS tasks), one per AZ; out through NAT."
  type        = list(string)
  default     = ["10.0.10.0/24", "10.0.11.0/24", "10.0.12.0/24"]
}

variable "data_subnets" {
  description = "Data subnets (RDS, ElastiCache), one per AZ; no route out."
  type        = list(string)
  default     = ["10.0.20.0/24", "10.0.21.0/24", "10.0.22.0/24"]
}

variable "app_port" {
  description = "The port fllc-server listens on inside its container."
  type        = number
  default     = 8000
}

variable "image" {
  description = "The server image (a versioned tag or digest, never :latest)."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate for the HTTPS listener."
  type        = string
}

variable "api_desired_count" {
  description = "API tasks kept running (spread over the AZs)."
  type        = number
  default     = 2
}

variable "worker_desired_count" {
  description = "Job-queue worker tasks."
  type        = number
  default     = 1
}

variable "db_instance_class" {
  description = "RDS instance class of the primary and the replica."
  type        = string
  default     = "db.m6g.large"
}

variable "cache_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.m6g.large"
}

variable "log_retention_days" {
  description = "CloudWatch log retention (application, WAF and flow logs)."
  type        = number
  default     = 365
}

variable "alarm_email" {
  description = "Where CloudWatch alarms are sent (an SNS email subscription)."
  type        = string
}

variable "waf_rate_limit" {
  description = "Requests per 5 minutes from one IP before WAF blocks it."
  type        = number
  default     = 2000
}
