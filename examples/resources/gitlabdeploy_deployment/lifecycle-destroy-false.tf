# Terraform 1.16 or OpenTofu 1.12: Terraform itself never destroys this
# deployment. terraform destroy (tofu destroy -suppress-forget-errors) only
# removes it from the state; on_destroy is not consulted then. Compare
# on_destroy = "keep" on the resource page, which also covers replacements.
resource "gitlabdeploy_deployment" "release_record" {
  project     = "acme/app"
  environment = "production"
  ref         = "v1.4.2"
  tag         = true
  sha         = "e83c5163316f89bfbde7d9ab23ca2e25604af290"
  status      = "success"

  lifecycle {
    destroy = false
  }
}
