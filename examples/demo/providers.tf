terraform {
  required_version = ">= 1.5.0"

  required_providers {
    gitlabdeploy = {
      source = "gitlabdeploy/gitlabdeploy"
    }
  }
}

# The user who records the deployments: Developer or more in the project, with
# deploy access to both environments.
provider "gitlabdeploy" {
  base_url = var.gitlab_base_url
  token    = var.deployer_token
}

# GitLab does not let a user approve their own deployment, so the approvals are
# given through other provider configurations, each with another user's token.
provider "gitlabdeploy" {
  alias    = "approver"
  base_url = var.gitlab_base_url
  token    = var.approver_token
}

provider "gitlabdeploy" {
  alias    = "second_approver"
  base_url = var.gitlab_base_url
  # Unused when second_approver_token is null; the fallback only keeps the
  # provider configuration valid.
  token = coalesce(var.second_approver_token, var.approver_token)
}
