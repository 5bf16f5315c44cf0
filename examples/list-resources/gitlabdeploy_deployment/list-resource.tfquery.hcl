# In a file whose name ends in .tfquery.hcl, next to the configuration that sets up the
# provider. `terraform query` lists what is running in production; with
# `terraform query -generate-config-out=adopted.tf` it also writes the import blocks and
# resource blocks that adopt them.
list "gitlabdeploy_deployment" "production" {
  provider         = gitlabdeploy
  include_resource = true # needed by -generate-config-out
  limit            = 20

  config {
    project     = "acme/app" # full path or numeric id
    environment = "production"
    status      = "running"
  }
}
