# 1. The commit is deployed to staging, and the deployment succeeds.
resource "gitlabdeploy_deployment" "staging" {
  project     = var.project
  environment = var.staging_environment
  ref         = var.ref
  sha         = var.sha
  status      = "success"
}

# 2. The same commit is promoted to production. The environment is protected
#    with approval rules, so GitLab counts the approvals it still needs
#    (pending_approval_count).
resource "gitlabdeploy_deployment" "production" {
  project     = var.project
  environment = var.production_environment
  ref         = gitlabdeploy_deployment.staging.ref
  sha         = gitlabdeploy_deployment.staging.sha
  status      = var.production_status
}

# 3. Two other users approve it, each under one of the rules.
resource "gitlabdeploy_deployment_approval" "approver" {
  provider = gitlabdeploy.approver

  project       = var.project
  deployment_id = gitlabdeploy_deployment.production.deployment_id
  status        = "approved"
  comment       = "Checked on staging."
}

resource "gitlabdeploy_deployment_approval" "second_approver" {
  count    = nonsensitive(var.second_approver_token != null) ? 1 : 0
  provider = gitlabdeploy.second_approver

  project       = var.project
  deployment_id = gitlabdeploy_deployment.production.deployment_id
  status        = "approved"
  comment       = "Security review passed."
}

# 4. The data sources read it all back: the production deployment with its
#    approvals, the merge requests it shipped, and the project's history.
data "gitlabdeploy_deployment" "production" {
  project       = var.project
  deployment_id = gitlabdeploy_deployment.production.deployment_id

  depends_on = [gitlabdeploy_deployment_approval.approver, gitlabdeploy_deployment_approval.second_approver]
}

data "gitlabdeploy_deployment_merge_requests" "production" {
  project       = var.project
  deployment_id = gitlabdeploy_deployment.production.deployment_id
}

data "gitlabdeploy_deployments" "history" {
  project     = var.project
  order_by    = "id"
  sort        = "desc"
  max_results = 8

  depends_on = [gitlabdeploy_deployment.staging, gitlabdeploy_deployment.production]
}
