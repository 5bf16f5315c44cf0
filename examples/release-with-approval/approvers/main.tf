# An approver's decision on the production deployment the release waits for.
# Each approver applies it with their own token (GITLAB_TOKEN) and their own
# state (for example: terraform workspace select -or-create "$USER"), while
# the release's apply waits:
#
#   terraform apply -var deployment_id=1234
#   terraform apply -var deployment_id=1234 -var decision=rejected -var comment="Canary errors"
#
# GitLab records the decision for the token's user; the release goes on once
# every approval rule of the environment has its approvals.
provider "gitlabdeploy" {}

variable "project" {
  description = "Full path or numeric id of the project."
  type        = string
  default     = "acme/app"
}

variable "deployment_id" {
  description = "production_deployment_id of the release."
  type        = number
}

variable "decision" {
  description = "approved or rejected. Changing it later changes the decision, while the deployment still waits."
  type        = string
  default     = "approved"
}

variable "comment" {
  description = "Optional comment; GitLab keeps it unless the decision changes."
  type        = string
  default     = null
}

variable "represented_as" {
  description = "Only for approvers matching several approval rules: (part of) the user, group or role name of the rule this decision counts for."
  type        = string
  default     = null
}

resource "gitlabdeploy_deployment_approval" "this" {
  project        = var.project
  deployment_id  = var.deployment_id
  status         = var.decision
  comment        = var.comment
  represented_as = var.represented_as
}

output "approvals_still_needed" {
  value = gitlabdeploy_deployment_approval.this.pending_approval_count
}
