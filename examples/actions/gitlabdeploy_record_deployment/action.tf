# Whatever Terraform deploys (here a terraform_data carrying the release; in
# practice a helm_release, an ECS service, ...) records a GitLab deployment each
# time it is created or changes, and none on an apply that changes nothing.
resource "terraform_data" "release" {
  input = {
    ref = var.ref
    sha = var.sha
  }

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.gitlabdeploy_record_deployment.production]
    }
  }
}

action "gitlabdeploy_record_deployment" "production" {
  config {
    project     = "acme/app"
    environment = "production"
    ref         = terraform_data.release.output.ref
    sha         = terraform_data.release.output.sha
    # status defaults to "success"
  }
}

variable "ref" {
  description = "Branch or tag released."
  type        = string
}

variable "sha" {
  description = "Commit released."
  type        = string
}
