# Held for approval before the change: on a protected environment with
# approval rules, the deployment is recorded as running before the service is
# updated, and the update waits until every rule is approved. A rejection or the
# invoke timeout fails the apply before the update; the deployment is then
# marked failed or canceled. The action does not move the status afterwards:
# to follow the outcome, use the gitlabdeploy_deployment resource.
resource "terraform_data" "service" {
  input = var.image

  lifecycle {
    action_trigger {
      events  = [before_create, before_update]
      actions = [action.gitlabdeploy_record_deployment.gated]
    }
  }
}

action "gitlabdeploy_record_deployment" "gated" {
  config {
    project           = "acme/app"
    environment       = "production"
    ref               = "main"
    sha               = var.image_sha
    status            = "running"
    wait_for_approval = true

    timeouts {
      invoke = "4h"
    }
  }
}

variable "image" {
  description = "Container image the service runs."
  type        = string
}

variable "image_sha" {
  description = "Commit the image was built from."
  type        = string
}
