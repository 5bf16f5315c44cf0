# The id is <project>:<deployment_id>[:<user_id>[:<rule_id>]]. Without user_id
# it imports the decision of the provider's own user (this needs an access
# token: GitLab does not tell a CI job token which user it acts for).
terraform import gitlabdeploy_deployment_approval.example acme/app:42

# Another user's decision, and a decision under one of several rules.
terraform import gitlabdeploy_deployment_approval.example acme/app:42:7
terraform import gitlabdeploy_deployment_approval.example acme/app:42:7:12
