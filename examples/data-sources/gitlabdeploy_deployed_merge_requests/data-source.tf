# What reached production in January: the merge requests shipped by a successful production
# deployment that finished in the month (both bounds exclusive).
data "gitlabdeploy_deployed_merge_requests" "january" {
  project         = "acme/app"
  environment     = "production"
  deployed_after  = "2025-12-31T23:59:59Z"
  deployed_before = "2026-02-01T00:00:00Z"
  order_by        = "merged_at"
  sort            = "asc"
}

output "released_in_january" {
  value = [
    for mr in data.gitlabdeploy_deployed_merge_requests.january.merge_requests :
    "!${mr.iid} ${mr.title} by @${mr.author}, merged by @${coalesce(mr.merge_user, "?")}"
  ]
}

# Only the security fixes among them.
data "gitlabdeploy_deployed_merge_requests" "security" {
  project         = "acme/app"
  environment     = "production"
  deployed_after  = "2025-12-31T23:59:59Z"
  deployed_before = "2026-02-01T00:00:00Z"
  labels          = ["security"]
}
