# A review app named the way GitLab names its environment, without asking GitLab: the slug is
# CI_ENVIRONMENT_SLUG in the pipeline that deploys review/<branch>.
variable "branch" {
  type    = string
  default = "feature/Login-Form"
}

locals {
  environment = "review/${var.branch}"
  slug        = provider::gitlabdeploy::environment_slug(local.environment) # "review-feature-lo-<hash>"
}

output "review_url" {
  value = "https://${local.slug}.review.example.com"
}

output "kubernetes_namespace" {
  value = "app-${local.slug}"
}
