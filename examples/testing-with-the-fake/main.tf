# The configuration under test: a release module that records each release of
# a commit to an environment. Its tests (tests/*.tftest.hcl) run against the
# fake GitLab that test.sh starts and seeds.
terraform {
  required_providers {
    gitlabdeploy = {
      source = "gitlabdeploy/gitlabdeploy"
    }
  }
}

# GITLAB_BASE_URL and GITLAB_TOKEN come from the environment: the fake's URL
# and a token of its seed when testing, your GitLab's otherwise.
provider "gitlabdeploy" {}

variable "project" {
  description = "Full path of the project."
  type        = string
}

variable "environment" {
  description = "Environment released to."
  type        = string
}

variable "ref" {
  description = "Branch or tag released."
  type        = string
}

variable "sha" {
  description = "Commit released."
  type        = string
}

resource "gitlabdeploy_deployment" "release" {
  project     = var.project
  environment = var.environment
  ref         = var.ref
  sha         = var.sha
  status      = "success"
}

output "deployment" {
  value = "#${gitlabdeploy_deployment.release.iid} ${var.ref}@${substr(var.sha, 0, 8)} to ${var.environment}"
}

output "iid" {
  value = gitlabdeploy_deployment.release.iid
}
