output "alb_dns_name" {
  description = "Point the site's DNS name (CNAME/alias) here."
  value       = aws_lb.api.dns_name
}

output "files_bucket" {
  description = "Reports and backups (FLLC_STORAGE_URL)."
  value       = aws_s3_bucket.files.id
}

output "database_endpoint" {
  description = "RDS primary address."
  value       = aws_db_instance.primary.address
}

output "replica_endpoint" {
  description = "RDS read replica address (reports)."
  value       = aws_db_instance.replica.address
}
