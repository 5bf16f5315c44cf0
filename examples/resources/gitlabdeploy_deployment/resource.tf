# Record that commit var.sha of main was deployed to staging, and succeeded.
resource "gitlabdeploy_deployment" "staging" {
  project     = "acme/app" # full path or numeric id
  environment = "staging"
  ref         = "main"
  sha         = var.sha
  status      = "success"
}

variable "sha" {
  description = "The commit that was deployed, e.g. $CI_COMMIT_SHA."
  type        = string
}
