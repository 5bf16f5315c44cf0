# Terraform 1.16 or later: the review app's infrastructure stops its GitLab
# environment when it is destroyed. on_failure = continue keeps a failed stop
# (a token without the right, GitLab unreachable) from failing the destroy:
# the failure is shown as a warning. var.branch is declared in action.tf.
resource "terraform_data" "review_app" {
  input = "review/${var.branch}"

  lifecycle {
    action_trigger {
      events     = [after_destroy]
      actions    = [action.gitlabdeploy_stop_environment.review_app]
      on_failure = continue
    }
  }
}

action "gitlabdeploy_stop_environment" "review_app" {
  config {
    project     = "acme/app"
    environment = "review/${var.branch}"
    force       = true # the app is gone: no on_stop job to wait for
  }
}
