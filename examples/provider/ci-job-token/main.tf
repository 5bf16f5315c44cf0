# In a GitLab CI job: with no token configured the provider uses the job's
# CI_JOB_TOKEN and talks to the instance the job runs on (CI_API_V4_URL).
provider "gitlabdeploy" {}

# The same, spelled out. Useful when GITLAB_TOKEN is also set in the job and
# the job token should be used anyway: pass the job's variables in with
#   export TF_VAR_ci_job_token="$CI_JOB_TOKEN" TF_VAR_ci_api_v4_url="$CI_API_V4_URL"
provider "gitlabdeploy" {
  alias     = "job"
  base_url  = var.ci_api_v4_url
  job_token = var.ci_job_token
}

variable "ci_api_v4_url" {
  type = string
}

variable "ci_job_token" {
  type      = string
  sensitive = true
}
