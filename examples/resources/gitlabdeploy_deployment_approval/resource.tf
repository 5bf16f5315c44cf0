# An approver's configuration, applied with the approver's own token: approve
# the production deployment that the release is waiting on.
resource "gitlabdeploy_deployment_approval" "production" {
  project       = "acme/app" # full path or numeric id
  deployment_id = var.deployment_id
  status        = "approved" # or "rejected"; changing it changes the decision in place
  comment       = "Release notes reviewed."
}

# A user who matches several approval rules approves once per rule, choosing
# the rule by (part of) its user, group or role name.
resource "gitlabdeploy_deployment_approval" "as_security" {
  project        = "acme/app"
  deployment_id  = var.deployment_id
  status         = "approved"
  represented_as = "security-team"
}

variable "deployment_id" {
  description = "Global id of the deployment waiting for approval (not its iid)."
  type        = number
}

output "approvals_still_needed" {
  value = gitlabdeploy_deployment_approval.as_security.pending_approval_count
}
