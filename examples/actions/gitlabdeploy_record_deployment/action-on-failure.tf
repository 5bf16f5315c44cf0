# Terraform 1.16 or later: on_failure says what a failed action does to the
# apply. The record of a deployment must not fail the deployment itself:
# with on_failure = continue, an unreachable GitLab or a refused record is a
# warning and the apply goes on. An approval gate must stop the change: halt
# (the default) fails the apply before the update. var.ref and var.sha are
# declared in action.tf, the gated action in action-approval-gate.tf.
resource "terraform_data" "web" {
  input = var.sha

  lifecycle {
    action_trigger {
      events     = [after_create, after_update]
      actions    = [action.gitlabdeploy_record_deployment.web]
      on_failure = continue
    }

    action_trigger {
      events     = [before_update]
      actions    = [action.gitlabdeploy_record_deployment.gated]
      on_failure = halt
    }
  }
}

action "gitlabdeploy_record_deployment" "web" {
  config {
    project     = "acme/app"
    environment = "web"
    ref         = var.ref
    sha         = terraform_data.web.output
  }
}
