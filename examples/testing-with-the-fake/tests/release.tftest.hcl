# terraform test (Terraform 1.6 or later, OpenTofu 1.6 or later) against the
# fake GitLab seeded with seed.json: acme/app, its branches main and
# release/1.x, and a past deployment #1 to staging.
variables {
  project     = "acme/app"
  environment = "staging"
  ref         = "main"
  sha         = "a91957a858320c0e17f3a0eca7cfacbff50ea29a"
}

run "records_a_successful_deployment" {
  assert {
    condition     = gitlabdeploy_deployment.release.status == "success"
    error_message = "The release is not recorded as a success."
  }
  assert {
    condition     = output.iid == 2
    error_message = "The seed holds deployment #1: the release must be #2."
  }
  assert {
    condition     = gitlabdeploy_deployment.release.environment_id == 1
    error_message = "The release must go to the seeded staging environment."
  }
}

run "a_new_commit_is_a_new_deployment" {
  variables {
    ref = "release/1.x"
    sha = "e83c5163316f89bfbde7d9ab23ca2e25604af290"
  }
  assert {
    condition     = output.iid == 3
    error_message = "A new commit must record a new deployment, #3 after #2."
  }
  assert {
    condition     = output.deployment == "#3 release/1.x@e83c5163 to staging"
    error_message = "Unexpected summary: ${output.deployment}."
  }
}
