# Held for approval before the change: on a protected environment with
# approval rules, the deployment is recorded as running and the update waits
# until every rule is approved; the deployment is then moved to success, before
# the service is updated. A rejection, the invoke timeout or Ctrl-C fails the
# apply before the update, and marks the deployment failed or canceled.
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
