# An approver approves the production deployment a release waits on, with the
# approver's own token, and keeps nothing in the state:
#
#   terraform apply -invoke=action.gitlabdeploy_approve_deployment.production -var deployment_id=42
action "gitlabdeploy_approve_deployment" "production" {
  config {
    project       = "acme/app" # full path or numeric id
    deployment_id = var.deployment_id
    comment       = "Release notes reviewed."
  }
}

# A user who matches several approval rules decides once per rule, choosing the
# rule by (part of) its user, group or role name. status defaults to "approved".
action "gitlabdeploy_approve_deployment" "security_veto" {
  config {
    project        = "acme/app"
    deployment_id  = var.deployment_id
    status         = "rejected"
    comment        = "CVE-2026-1234 is not fixed in this build."
    represented_as = "security-team"
  }
}

variable "deployment_id" {
  description = "Global id of the deployment waiting for approval (not its iid)."
  type        = number
}
