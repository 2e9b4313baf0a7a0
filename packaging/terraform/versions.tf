terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.7"
    }
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { Project = "fllc-warehouse", Environment = var.environment }
  }
}

# The disaster-recovery region: weekly RDS snapshot copies and the replica of the backups bucket.
provider "aws" {
  alias  = "dr"
  region = var.dr_region
  default_tags {
    tags = { Project = "fllc-warehouse", Environment = var.environment }
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_elb_service_account" "main" {}
