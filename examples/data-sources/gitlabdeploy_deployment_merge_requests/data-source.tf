# Release notes: the merge requests shipped with a deployment.
data "gitlabdeploy_deployment_merge_requests" "shipped" {
  project       = "acme/app"
  deployment_id = 42
}

output "release_notes" {
  value = [for mr in data.gitlabdeploy_deployment_merge_requests.shipped.merge_requests : "!${mr.iid} ${mr.title} (@${mr.author})"]
}
