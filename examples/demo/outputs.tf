locals {
  staging    = gitlabdeploy_deployment.staging
  production = data.gitlabdeploy_deployment.production

  deployment_lines = [
    for e in [["staging", local.staging], ["production", local.production]] :
    format("%-11s deployment #%d (id %d) of %s @ %s is %s", "${e[0]}:", e[1].iid, e[1].deployment_id, e[1].ref, substr(e[1].sha, 0, 8), e[1].status)
  ]

  approval_lines = [
    for a in local.production.approvals :
    format("  %s by %s%s", a.status, a.user.username, a.comment == null ? "" : format(": %q", a.comment))
  ]

  shipped_lines = [
    for mr in data.gitlabdeploy_deployment_merge_requests.production.merge_requests :
    format("  !%d %s (by %s)", mr.iid, mr.title, mr.author)
  ]

  history_lines = [
    for d in data.gitlabdeploy_deployments.history.deployments :
    format("  #%-3d %-11s %-8s %s @ %s by %s%s", d.iid, d.environment, d.status, d.ref, substr(d.sha, 0, 8),
    d.user.username, d.deployable == null ? "" : " (CI job ${d.deployable.name})")
  ]
}

output "summary" {
  description = "What happened, in words."
  value = join("\n", concat(
    local.deployment_lines,
    ["production approvals (${local.production.pending_approval_count} still needed):"],
    local.approval_lines,
    ["merge requests shipped to production:"],
    length(local.shipped_lines) > 0 ? local.shipped_lines : ["  none yet: GitLab links them when the deployment succeeds"],
    ["history of ${var.project}, newest first:"],
    local.history_lines,
  ))
}
