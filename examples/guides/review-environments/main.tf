terraform {
  required_providers {
    gitlab = {
      source = "gitlabhq/gitlab"
    }
    gitlabdeploy = {
      source = "gitlabdeploy/gitlabdeploy"
    }
  }
}

# Both providers read GITLAB_TOKEN and GITLAB_BASE_URL; in a CI job,
# GITLAB_BASE_URL=$CI_API_V4_URL serves both.
provider "gitlab" {}
provider "gitlabdeploy" {}

variable "project" {
  description = "Full path of the project, for example acme/app."
  type        = string
}

variable "branch" {
  description = "The branch under review, for example $CI_COMMIT_REF_NAME."
  type        = string
}

variable "sha" {
  description = "The commit deployed to the review environment, for example $CI_COMMIT_SHA."
  type        = string
}

# The official provider owns the short-lived environment. Its URL carries
# the environment's slug, the CI_ENVIRONMENT_SLUG GitLab gives it. GitLab deletes an
# environment's deployments with it, but refuses to delete an environment
# that is still available: stop_before_destroy stops it first.
resource "gitlab_project_environment" "review" {
  project             = var.project
  name                = "review/${var.branch}"
  external_url        = "https://${provider::gitlabdeploy::environment_slug("review/${var.branch}")}.review.example.com"
  stop_before_destroy = true
}

# This provider records each deployment into it. on_destroy = "keep" (the
# default) leaves the deployment to the environment: destroying the
# configuration forgets the deployment, then deletes the environment, and
# GitLab deletes the deployment with it. on_destroy = "delete" would be
# refused for the environment's currently deployed deployment, and the plan
# of the destroy says so before anything is destroyed.
resource "gitlabdeploy_deployment" "review" {
  project     = gitlab_project_environment.review.project
  environment = gitlab_project_environment.review.name
  ref         = var.branch
  sha         = var.sha
  status      = "success"
  on_destroy  = "keep"
}

output "review_deployment" {
  value = "#${gitlabdeploy_deployment.review.iid} of ${var.branch} to ${gitlab_project_environment.review.name}"
}
