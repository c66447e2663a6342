# The ECS cluster, service and load balancer for inference-api live here (trimmed for the example).
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
