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

# Both providers read GITLAB_TOKEN and GITLAB_BASE_URL, for example
# GITLAB_BASE_URL=https://gitlab.example.com/api/v4/
provider "gitlab" {}
provider "gitlabdeploy" {}

# The official provider protects the environment and sets its approval rules
# (see its documentation for the exact syntax of your version)...
resource "gitlab_project_protected_environment" "production" {
  project     = "acme/app"
  environment = "production"

  deploy_access_levels {
    access_level = "maintainer"
  }

  approval_rules {
    access_level       = "maintainer"
    required_approvals = 2
  }
}

# ...and this provider records the deployments to it. Referring to the
# protected environment makes Terraform create the protection first.
resource "gitlabdeploy_deployment" "production" {
  project     = gitlab_project_protected_environment.production.project
  environment = gitlab_project_protected_environment.production.environment
  ref         = "main"
  sha         = var.release_sha
  status      = "success"
}

variable "release_sha" {
  description = "The commit being released."
  type        = string
}
