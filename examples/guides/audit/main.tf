# Every production deployment that finished in January 2026, with who deployed
# it, who approved it and which merge requests it shipped.
variable "project" {
  type    = string
  default = "acme/app"
}

variable "from" {
  description = "Start of the period (RFC 3339), included."
  type        = string
  default     = "2026-01-01T00:00:00Z"
}

variable "to" {
  description = "End of the period (RFC 3339), excluded."
  type        = string
  default     = "2026-02-01T00:00:00Z"
}

# GitLab filters on finished_at only together with status = "success" and
# order_by = "finished_at"; the provider checks such rules at plan time.
data "gitlabdeploy_deployments" "released" {
  project         = var.project
  environment     = "production"
  status          = "success"
  finished_after  = var.from
  finished_before = var.to
  order_by        = "finished_at"
  sort            = "asc"
}

locals {
  released = { for d in data.gitlabdeploy_deployments.released.deployments : tostring(d.deployment_id) => d }
}

# The list carries no approvals: one read per deployment adds them.
data "gitlabdeploy_deployment" "released" {
  for_each = local.released

  project       = var.project
  deployment_id = each.value.deployment_id
}

data "gitlabdeploy_deployment_merge_requests" "released" {
  for_each = local.released

  project       = var.project
  deployment_id = each.value.deployment_id
}

output "audit" {
  # Over the list, not the map: a map iterates in key order ("10" before "9"), the list in GitLab's.
  value = [
    for d in data.gitlabdeploy_deployments.released.deployments : {
      deployment     = "#${d.iid} (id ${d.deployment_id})"
      commit         = "${d.ref} @ ${substr(d.sha, 0, 8)}"
      deployed_by    = d.user.username
      last_change_at = d.updated_at
      approved_by = [
        for a in data.gitlabdeploy_deployment.released[tostring(d.deployment_id)].approvals : a.user.username if a.status == "approved"
      ]
      merge_requests = [
        for mr in data.gitlabdeploy_deployment_merge_requests.released[tostring(d.deployment_id)].merge_requests : "!${mr.iid} ${mr.title}"
      ]
    }
  ]
}
