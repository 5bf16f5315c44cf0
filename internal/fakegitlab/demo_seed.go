package fakegitlab

import (
	_ "embed"
	"fmt"
	"io"
	"strings"
)

//go:embed demo_seed.json
var demoSeedJSON []byte

// DemoSeed is the built-in demo: project acme/app (id 1) with branches, a tag, merged merge
// requests, an unprotected staging and a protected production environment needing two approvals
// over two rules, and four historical deployments, the last one CI-created and blocked. Its users
// and tokens are listed by WriteDemoUsers.
func DemoSeed() *Seed {
	s, err := ParseSeed(demoSeedJSON)
	if err != nil {
		panic(fmt.Sprintf("fakegitlab: the demo seed is invalid: %v", err))
	}
	return s
}

// demoRoles explains each demo user in one line.
var demoRoles = map[string]string{
	"root":        "administrator",
	"release-bot": "maintainer of acme/app; may deploy to production",
	"mae":         "maintainer of acme/app; approves production as Maintainers",
	"sam":         "developer via group security; approves production as security",
	"dev":         "developer of acme/app; may deploy to staging only",
	"rita":        "reporter of acme/app; may read deployments",
}

// WriteDemoUsers prints the demo seed's users and their tokens for a person to start with.
func WriteDemoUsers(w io.Writer, baseURL string) {
	s := DemoSeed()
	fmt.Fprintf(w, "Demo seed: project acme/app (id 1). Try:\n")
	fmt.Fprintf(w, "  curl --header \"PRIVATE-TOKEN: release-bot-token\" %s/api/v4/projects/1/deployments\n", baseURL)
	fmt.Fprintf(w, "Users (PRIVATE-TOKEN):\n")
	for _, u := range s.Users {
		fmt.Fprintf(w, "  %-12s %-18s %-20s %s\n", u.Username, strings.Join(u.Tokens, ","), u.Name, demoRoles[u.Username])
	}
	for _, jt := range s.JobTokens {
		fmt.Fprintf(w, "Job token (JOB-TOKEN): %s (a CI job of %s run by %s)\n", jt.Token, jt.Project, jt.User)
	}
}
