# Terraform 1.5 and later: import with the next plan and apply.
import {
  to = gitlabdeploy_deployment_approval.production
  id = "acme/app:42"
}
