terraform {
  required_providers {
    gitlabdeploy = {
      source = "gitlabdeploy/gitlabdeploy"
    }
  }
}

# Both settings may be left out: the token then comes from GITLAB_TOKEN and the
# URL from GITLAB_BASE_URL (default https://gitlab.com).
provider "gitlabdeploy" {
  base_url = "https://gitlab.example.com"
  token    = var.gitlab_token
}

variable "gitlab_token" {
  description = "A personal, project or group access token with the api scope."
  type        = string
  sensitive   = true
}
