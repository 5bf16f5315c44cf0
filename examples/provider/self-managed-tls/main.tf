provider "gitlabdeploy" {
  # With or without /api/v4; a GitLab under a relative URL keeps its path.
  base_url = "https://git.internal.example.com"

  # PEM bundle of the private CA that signed the instance's certificate,
  # trusted in addition to the system's CAs.
  cacert_file = "/etc/ssl/certs/internal-root-ca.pem"

  # Retry throttled requests, server errors and connection failures up to
  # 5 times instead of 10.
  max_retries = 5
}
