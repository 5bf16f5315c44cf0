// Package fakegitlab is an in-memory fake of GitLab's REST API for deployments, deployment
// approvals and project-level protected environments (GitLab EE, Premium), plus GET /user,
// GET /projects/:id and GET /projects/:id/repository/tags/:tag_name. It answers as GitLab does:
// the same status codes, the same error bodies word for word, the same order of checks, the same
// pagination headers. The provider's acceptance tests, the demo and the benchmarks run against it.
//
// # From Go tests
//
// Start one server per test from a seed, a Go value or a JSON document:
//
//	srv := fakegitlab.NewTestServer(t, fakegitlab.DemoSeed(), fakegitlab.Options{})
//	client, _ := gitlab.NewClient("release-bot-token", gitlab.WithBaseURL(srv.URL()+"/api/v4"))
//
// To act as another user, send that user's token. Server.AddSeed merges more of the document
// into the running server (for example a CI-created "blocked" deployment in the middle of a
// scenario) and returns the ids it gave. Server.MoveProject renames or transfers a project, leaving
// a redirect from its old path as GitLab does. Server.Stats counts the API requests by route.
// Options inject latency, failures (Options.FailRate, or Options.Fault for a deterministic
// choice per request), lost answers (Options.LoseRate) and GitLab's throttle
// (Options.RateLimit); Options.Now fixes the clock.
//
// # From the command line
//
//	go run ./internal/fakegitlab/cmd/fakegitlab -listen 127.0.0.1:0 [-seed FILE]
//		[-latency 50ms] [-fail-rate 0.1] [-rate-limit 10] [-lose-rate 0.1]
//
// The first line on standard output is the base URL; without -seed the demo users and their
// tokens follow, so that the curl examples of GitLab's documentation work at once:
//
//	curl --header "PRIVATE-TOKEN: release-bot-token" "$BASE/api/v4/projects/1/deployments"
//
// It serves until SIGINT or SIGTERM. Fake-only endpoints, without authentication:
// GET /-/fake/stats, POST /-/fake/stats/reset and POST /-/fake/seed (merge a seed document).
//
// # Seed documents
//
// ParseSeed reads the document (users with tokens, groups, job tokens, projects with members,
// branches, tags, commits, protected environments, merge requests and deployments) and refuses
// unknown keys, dangling references and bad values with an error naming the field, such as
// `projects[0].deployments[2].status: "bogus" is not a deployment status (...)`.
// Seeded timestamps that are left out default to the time of seeding, later entries later;
// finished_at defaults to updated_at for success, failed and canceled deployments.
//
// It follows GitLab 19: users may hold fine-grained personal access tokens
// (fine_grained_tokens, with permissions such as "Deployment: Read") that get GitLab's
// insufficient_granular_scope 403; a job-token allowlist entry may name a group, and an object
// entry {"path": ..., "job_token_policies": [...]} limits job tokens to those policies;
// rate_limits.deployment_delete sets the deletes per user per minute (GitLab's 500 by default);
// a create checks its sha and ref before it creates the environment.
//
// The fake keeps no commit graph: on entering success, a deployment links every merged merge
// request targeting its ref that no deployment of the same environment links yet, unless the
// environment is in a folder and its tier (a seeded deployment's deployment_tier, else GitLab's
// guess from the name) is neither production nor staging.
package fakegitlab
