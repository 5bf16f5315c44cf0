# Audit: every production deployment that finished last month, with who approved it and what it
# shipped. GitLab filters on finish time only for successful deployments ordered by it.
data "gitlabdeploy_deployments" "last_month" {
  project                = "acme/app"
  environment            = "production"
  status                 = "success"
  order_by               = "finished_at"
  finished_after         = "2026-01-01T00:00:00Z"
  finished_before        = "2026-02-01T00:00:00Z"
  include_approvals      = true # one more request per deployment
  include_merge_requests = true # one more request per deployment
}

# In the list's order: newest finished first would be sort = "desc".
output "approved_by" {
  value = [
    for d in data.gitlabdeploy_deployments.last_month.deployments : {
      iid       = d.iid
      sha       = d.sha
      approvers = [for a in d.approvals : a.user.username if a.status == "approved"]
      shipped   = [for mr in d.merge_requests : "!${mr.iid}"]
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
