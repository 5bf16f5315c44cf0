# Audit: every production deployment that finished last month, with who approved it.
# GitLab filters on finish time only for successful deployments ordered by it.
data "gitlabdeploy_deployments" "last_month" {
  project         = "acme/app"
  environment     = "production"
  status          = "success"
  order_by        = "finished_at"
  finished_after  = "2026-01-01T00:00:00Z"
  finished_before = "2026-02-01T00:00:00Z"
}

# The list holds no approvals: read each deployment for them.
data "gitlabdeploy_deployment" "audited" {
  for_each      = { for d in data.gitlabdeploy_deployments.last_month.deployments : tostring(d.deployment_id) => d }
  project       = "acme/app"
  deployment_id = each.value.deployment_id
}

# In the list's order: newest finished first would be sort = "desc".
output "approved_by" {
  value = [
    for d in data.gitlabdeploy_deployments.last_month.deployments : {
      iid       = d.iid
      sha       = d.sha
      approvers = [for a in data.gitlabdeploy_deployment.audited[tostring(d.deployment_id)].approvals : a.user.username if a.status == "approved"]
    }
  ]
}

# The ten most recent deployments to staging, newest first.
data "gitlabdeploy_deployments" "recent_staging" {
  project     = "acme/app"
  environment = "staging"
  sort        = "desc"
  max_results = 10
}
