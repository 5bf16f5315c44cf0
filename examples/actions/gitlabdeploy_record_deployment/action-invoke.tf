# Recorded by hand, for example after a release done outside Terraform:
#
#   terraform apply -invoke=action.gitlabdeploy_record_deployment.hotfix
action "gitlabdeploy_record_deployment" "hotfix" {
  config {
    project     = "acme/app"
    environment = "production"
    ref         = "v1.4.1"
    tag         = true
    sha         = "e83c5163316f89bfbde7d9ab23ca2e25604af290"
  }
}
