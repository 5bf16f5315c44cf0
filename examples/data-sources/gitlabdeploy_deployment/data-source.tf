data "gitlabdeploy_deployment" "release" {
  project       = "acme/app"
  deployment_id = 42 # the global id, not the iid
}

# Who approved it, rule by rule ("Maintainers", a group's or a user's name).
output "approvals_by_rule" {
  value = {
    for r in data.gitlabdeploy_deployment.release.approval_summary.rules :
    coalesce(r.access_level_description, tostring(r.id)) => [for a in r.approvals : "${a.user.username}: ${a.status}"]
  }
}
