# The release, applied by the release pipeline as the deployer (GITLAB_TOKEN and
# GITLAB_BASE_URL, or CI_JOB_TOKEN inside a GitLab CI job):
#
#   1. staging is recorded as succeeded;
#   2. production is recorded as running, and the apply waits until every
#      approval rule of the protected production environment is satisfied
#      (approvers apply ../approvers meanwhile). A rejection marks production
#      failed and fails the apply; so does the time limit, marking it canceled;
#   3. once the roll-out is done, apply again with production_status =
#      "success": the status moves on.
provider "gitlabdeploy" {}

variable "project" {
  description = "Full path or numeric id of the project."
  type        = string
  default     = "acme/app"
}

variable "sha" {
  description = "The commit released, e.g. $CI_COMMIT_SHA."
  type        = string
}

variable "production_status" {
  description = "running while production rolls out, then success."
  type        = string
  default     = "running"
}

resource "gitlabdeploy_deployment" "staging" {
  project     = var.project
  environment = "staging"
  ref         = "main"
  sha         = var.sha
  status      = "success"
}

resource "gitlabdeploy_deployment" "production" {
  project     = var.project
  environment = "production"
  ref         = "main"
  # Taken from staging, so that production is recorded only after staging.
  sha    = gitlabdeploy_deployment.staging.sha
  status = var.production_status

  wait_for_approval = true

  timeouts {
    create = "2h" # how long approvers have; default 1h
    update = "2h"
  }

  lifecycle {
    precondition {
      condition     = gitlabdeploy_deployment.staging.status == "success"
      error_message = "Production follows a successful staging deployment only."
    }
  }
}

output "production_deployment_id" {
  description = "What the approvers decide on."
  value       = gitlabdeploy_deployment.production.deployment_id
}

output "production_approvals" {
  description = "Who approved production, once the apply goes on."
  value       = [for a in gitlabdeploy_deployment.production.approvals : a.user.username if a.status == "approved"]
}
