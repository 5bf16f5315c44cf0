# The audit's findings as errors, for a pipeline that must stop on them: postconditions of the
# data source fail the plan, where check blocks only warn.
variable "project" {
  type    = string
  default = "acme/app"
}

data "gitlabdeploy_deployments" "period" {
  project                = var.project
  environment            = "production"
  status                 = "success"
  order_by               = "finished_at"
  finished_after         = "2026-01-01T00:00:00Z"
  finished_before        = "2026-02-01T00:00:00Z"
  include_approvals      = true
  include_merge_requests = true

  lifecycle {
    postcondition {
      condition = alltrue([
        for d in self.deployments : alltrue([
          for r in d.approval_summary.rules : length([for a in r.approvals : a if a.status == "approved"]) >= r.required_approvals
        ])
      ])
      error_message = "A deployment in the period went out with its approval rules not met (as GitLab's rules are today)."
    }
    postcondition {
      condition = alltrue([
        for d in self.deployments : !contains([for a in d.approvals : a.user.username if a.status == "approved"], d.user.username)
      ])
      error_message = "A deployment in the period was approved by the user who deployed it."
    }
    postcondition {
      condition = alltrue([
        for d in self.deployments : length(setintersection(
          [for a in d.approvals : a.user.username if a.status == "approved"],
          [for mr in d.merge_requests : mr.author],
        )) == 0
      ])
      error_message = "A deployment in the period was approved by the author of a merge request it shipped."
    }
  }
}
