# An approver's configuration, applied with the approver's own token
# (GITLAB_TOKEN) while the release waits.
provider "gitlabdeploy" {}

variable "deployment_id" {
  description = "The deployment to decide on: production_deployment_id of the release."
  type        = number
}

variable "represented_as" {
  description = "Only when this user matches several rules: the rule the decision counts for (part of a user, group or role name, e.g. \"security\")."
  type        = string
  default     = null
}

variable "approve" {
  type    = bool
  default = true
}

resource "gitlabdeploy_deployment_approval" "production" {
  project        = "acme/app"
  deployment_id  = var.deployment_id
  status         = var.approve ? "approved" : "rejected"
  comment        = var.approve ? "Release notes reviewed." : "Blocked: see the incident channel."
  represented_as = var.represented_as
}

output "still_needed" {
  value = gitlabdeploy_deployment_approval.production.pending_approval_count
}
