# Audit one period of an environment: what was deployed, by whom, who approved it and what it
# shipped, with checks that flag what an auditor asks first. Two data sources, and a request per
# deployment for each include.
variable "project" {
  type    = string
  default = "acme/app"
}

variable "environment" {
  type    = string
  default = "production"
}

variable "from" {
  description = "Start of the period (RFC 3339)."
  type        = string
  default     = "2026-01-01T00:00:00Z"
}

variable "to" {
  description = "End of the period (RFC 3339), excluded."
  type        = string
  default     = "2026-02-01T00:00:00Z"
}

# Every successful deployment that finished in the period, with its approvals and the merge
# requests it shipped. GitLab filters on the finish time only with status = "success" and
# order_by = "finished_at"; the provider checks such rules at plan time.
data "gitlabdeploy_deployments" "period" {
  project                = var.project
  environment            = var.environment
  status                 = "success"
  order_by               = "finished_at"
  sort                   = "asc"
  finished_after         = var.from
  finished_before        = var.to
  include_approvals      = true
  include_merge_requests = true
}

# What reached the environment in the period, one request per 100 merge requests.
# deployed_after excludes its bound, where finished_after includes it.
data "gitlabdeploy_deployed_merge_requests" "period" {
  project         = var.project
  environment     = var.environment
  deployed_after  = timeadd(var.from, "-1s")
  deployed_before = var.to
  order_by        = "merged_at"
  sort            = "asc"
}

locals {
  deployments = data.gitlabdeploy_deployments.period.deployments

  approvers = {
    for d in local.deployments : tostring(d.deployment_id) => toset([for a in d.approvals : a.user.username if a.status == "approved"])
  }
  authors = {
    for d in local.deployments : tostring(d.deployment_id) => toset([for mr in d.merge_requests : mr.author])
  }

  # A rule with fewer approvals than it requires. GitLab reports the environment's rules as they
  # are today, not as they were when the deployment ran.
  rules_not_met = [
    for d in local.deployments : "#${d.iid}" if anytrue([
      for r in d.approval_summary.rules : length([for a in r.approvals : a if a.status == "approved"]) < r.required_approvals
    ])
  ]
  approved_by_deployer = [
    for d in local.deployments : "#${d.iid} (${d.user.username})" if contains(local.approvers[tostring(d.deployment_id)], d.user.username)
  ]
  approved_by_author = [
    for d in local.deployments : "#${d.iid} (${join(", ", setintersection(local.approvers[tostring(d.deployment_id)], local.authors[tostring(d.deployment_id)]))})"
    if length(setintersection(local.approvers[tostring(d.deployment_id)], local.authors[tostring(d.deployment_id)])) > 0
  ]
}

check "approval_rules_met" {
  assert {
    condition     = length(local.rules_not_met) == 0
    error_message = "Deployments whose approval rules are still not met: ${join(", ", local.rules_not_met)}."
  }
}

check "not_approved_by_deployer" {
  assert {
    condition     = length(local.approved_by_deployer) == 0
    error_message = "Deployments approved by the user who deployed them: ${join(", ", local.approved_by_deployer)}."
  }
}

check "not_approved_by_author" {
  assert {
    condition     = length(local.approved_by_author) == 0
    error_message = "Deployments approved by the author of a merge request they shipped: ${join(", ", local.approved_by_author)}."
  }
}

output "audit" {
  value = [
    for d in local.deployments : {
      deployment     = "#${d.iid} (id ${d.deployment_id})"
      commit         = "${d.ref} @ ${substr(d.sha, 0, 8)}"
      deployed_by    = d.user.username
      approved_by    = sort(local.approvers[tostring(d.deployment_id)])
      merge_requests = [for mr in d.merge_requests : "!${mr.iid} ${mr.title} (@${mr.author})"]
    }
  ]
}

output "released" {
  value = [
    for mr in data.gitlabdeploy_deployed_merge_requests.period.merge_requests :
    "!${mr.iid} ${mr.title}, by @${mr.author}, merged by @${coalesce(mr.merge_user, "unknown")} at ${mr.merged_at}"
  ]
}
