# Terraform 1.5 and later: import with the next plan and apply.
import {
  to = gitlabdeploy_deployment.staging
  id = "acme/app:42"
}
