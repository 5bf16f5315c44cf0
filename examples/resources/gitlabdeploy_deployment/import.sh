# The id is <project>:<deployment_id>, the project given by full path or numeric id,
# and deployment_id the deployment's global id (not the per-project iid).
terraform import gitlabdeploy_deployment.staging acme/app:42
terraform import gitlabdeploy_deployment.staging 1234:42
