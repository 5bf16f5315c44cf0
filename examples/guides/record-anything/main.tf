# The same release recorded by the gitlabdeploy_deployment resource, for
# comparison with the action: the state tracks the latest deployment, a new sha
# replaces it (GitLab keeps the previous one as history, on_destroy = "keep"),
# and a status change later is an update in place.
resource "gitlabdeploy_deployment" "production" {
  project     = "acme/app"
  environment = "production"
  ref         = var.ref
  sha         = var.sha
  status      = "success"
}

variable "ref" {
  description = "Branch or tag released."
  type        = string
}

variable "sha" {
  description = "Commit released."
  type        = string
}
