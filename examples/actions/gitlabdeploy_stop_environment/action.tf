# Stop the review environment that CI created for a branch, by name, when the
# merge request is merged or closed (Terraform 1.14 or later):
#
#   terraform apply -invoke=action.gitlabdeploy_stop_environment.review -var branch=feature/login
action "gitlabdeploy_stop_environment" "review" {
  config {
    project     = "acme/app"
    environment = "review/${var.branch}"
  }
}

variable "branch" {
  description = "The branch whose review environment to stop."
  type        = string
}
