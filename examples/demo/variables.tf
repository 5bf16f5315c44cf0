# `make demo` sets the URL and tokens for the fake GitLab's demo seed. To run
# this configuration against a real GitLab, see README.md beside this file.

variable "gitlab_base_url" {
  description = "URL of the GitLab instance, for example https://gitlab.example.com."
  type        = string
}

variable "deployer_token" {
  description = "Access token (api scope) of the user who records the deployments."
  type        = string
  sensitive   = true
}

variable "approver_token" {
  description = "Access token of a user who may approve production under one of its approval rules."
  type        = string
  sensitive   = true
}

variable "second_approver_token" {
  description = "Access token of a user who approves under another rule; null when production needs one approval."
  type        = string
  sensitive   = true
  default     = null
}

variable "project" {
  description = "Numeric id or full path of the project."
  type        = string
  default     = "acme/app"
}

variable "ref" {
  description = "Branch or tag that is deployed."
  type        = string
  default     = "main"
}

variable "sha" {
  description = "Commit that is deployed; it must exist in the project."
  type        = string
  default     = "e83c5163316f89bfbde7d9ab23ca2e25604af290"
}

variable "staging_environment" {
  description = "An environment without approval rules."
  type        = string
  default     = "staging"
}

variable "production_environment" {
  description = "A protected environment with approval rules."
  type        = string
  default     = "production"
}

variable "production_status" {
  description = "Status of the production deployment: running while it waits, then success."
  type        = string
  default     = "running"
}
