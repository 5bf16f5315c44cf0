terraform {
  # Or a `backend "remote"` block; the workspace holds the state and the variables.
  cloud {
    organization = "acme"

    workspaces {
      name = "app-deployments"
    }
  }

  required_providers {
    gitlabdeploy = {
      source = "gitlabdeploy/gitlabdeploy"
    }
  }
}

# Either leave the provider block empty and set the environment variables
# GITLAB_TOKEN (sensitive) and GITLAB_BASE_URL in the workspace, or declare
# Terraform variables and set them, sensitive, in the workspace:
provider "gitlabdeploy" {
  base_url = var.gitlab_base_url
  token    = var.gitlab_token
}

variable "gitlab_base_url" {
  type    = string
  default = "https://gitlab.com"
}

variable "gitlab_token" {
  type      = string
  sensitive = true
}

variable "release_sha" {
  type = string
}

resource "gitlabdeploy_deployment" "production" {
  project     = "acme/app"
  environment = "production"
  ref         = "main"
  sha         = var.release_sha
  status      = "success"
}
