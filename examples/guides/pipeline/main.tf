# Records the deployment a CI job carries out. The job sets the TF_VAR_*
# variables from GitLab's predefined CI/CD variables (see the guide).
terraform {
  required_providers {
    gitlabdeploy = {
      source = "gitlabdeploy/gitlabdeploy"
    }
  }

  # GitLab-managed Terraform state, configured by `terraform init -backend-config=...`,
  # so that the job's second apply finds the deployment the first one recorded.
  backend "http" {}
}

# Inside the job no setting is needed: the provider authenticates with the
# job's CI_JOB_TOKEN against the instance in CI_API_V4_URL.
provider "gitlabdeploy" {}

variable "project_id" {
  description = "CI_PROJECT_ID"
  type        = string
}

variable "environment" {
  description = "The environment the job deploys to."
  type        = string
}

variable "ref" {
  description = "CI_COMMIT_REF_NAME: the branch or tag."
  type        = string
}

variable "commit_sha" {
  description = "CI_COMMIT_SHA"
  type        = string
}

variable "commit_tag" {
  description = "CI_COMMIT_TAG: the tag name in a tag pipeline, else empty."
  type        = string
  default     = ""
}

variable "status" {
  description = "running before the deployment, then success or failed."
  type        = string
  default     = "running"

  validation {
    condition     = contains(["running", "success", "failed", "canceled"], var.status)
    error_message = "status must be running, success, failed or canceled."
  }
}

# A new commit replaces this resource: GitLab records a new deployment, and the
# previous one stays in GitLab's history (on_destroy = "keep", the default).
resource "gitlabdeploy_deployment" "this" {
  project     = var.project_id
  environment = var.environment
  ref         = var.ref
  sha         = var.commit_sha
  tag         = var.commit_tag != ""
  status      = var.status
}

output "deployment" {
  value = "${var.environment}: deployment #${gitlabdeploy_deployment.this.iid} (id ${gitlabdeploy_deployment.this.deployment_id}) is ${gitlabdeploy_deployment.this.status}"
}
