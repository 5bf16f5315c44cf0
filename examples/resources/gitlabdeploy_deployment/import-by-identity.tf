# Terraform 1.12 and later, OpenTofu 1.12 and later: import by resource identity, GitLab's
# numeric ids (the project's id, not its path; the deployment's global id, not its iid).
import {
  to = gitlabdeploy_deployment.production
  identity = {
    project_id    = 1234
    deployment_id = 42
  }
}

# With project written as its path, the import plans no other change. Without status, the
# resource follows whatever status GitLab CI gives the deployment.
resource "gitlabdeploy_deployment" "production" {
  project     = "acme/app"
  environment = "production"
  ref         = "main"
  sha         = var.sha
}
