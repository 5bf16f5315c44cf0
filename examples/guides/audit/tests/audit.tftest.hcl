# terraform test for the audit itself: each run plans the audit of a project whose history is
# known, and says which checks must fail. A failed check not listed in expect_failures fails the
# test, so the audit is proven to flag what it should and nothing else.
#
# It reads GitLab through GITLAB_BASE_URL and GITLAB_TOKEN; the repository runs it against the
# fake GitLab with the two histories below (internal/provider/audits_cli_test.go).

run "a_clean_month_passes" {
  command = plan

  variables {
    project = "acme/clean"
  }

  assert {
    condition     = length(output.audit) == 4
    error_message = "The clean month has four production deployments."
  }
}

run "every_finding_is_flagged" {
  command = plan

  variables {
    project = "acme/app"
  }

  expect_failures = [
    check.approval_rules_met,
    check.not_approved_by_deployer,
    check.not_approved_by_author,
  ]
}
