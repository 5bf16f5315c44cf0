# The release: production is recorded, then the apply waits until the
# environment's approval rules are satisfied before anything that depends on it
# runs.
variable "release_sha" {
  type = string
}

variable "production_status" {
  description = "running while the release rolls out, then success."
  type        = string
  default     = "running"
}

resource "gitlabdeploy_deployment" "production" {
  project     = "acme/app"
  environment = "production"
  ref         = "main"
  sha         = var.release_sha
  status      = var.production_status

  wait_for_approval = true

  timeouts {
    create = "4h" # how long to wait for approvers; default 1h
    update = "4h"
  }
}

# Runs only once production is approved.
resource "terraform_data" "roll_out" {
  triggers_replace = [gitlabdeploy_deployment.production.deployment_id]

  provisioner "local-exec" {
    command = "./roll-out.sh ${gitlabdeploy_deployment.production.sha}"
  }
}

output "production_deployment_id" {
  description = "What the approvers need."
  value       = gitlabdeploy_deployment.production.deployment_id
}
