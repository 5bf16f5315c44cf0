# Terraform 1.12 and later, OpenTofu 1.12 and later: import by resource identity, GitLab's
# numeric ids. rule_id is only for a decision recorded with represented_as.
import {
  to = gitlabdeploy_deployment_approval.as_security
  identity = {
    project_id    = 1234
    deployment_id = 42
    user_id       = 7
    rule_id       = 12
  }
}
