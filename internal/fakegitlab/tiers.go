package fakegitlab

import (
	"regexp"
	"strings"
)

// Environment tiers, as GitLab names them.
var tiers = []string{"production", "staging", "testing", "development", "other"}

// tierGuesses is GitLab's guess of an environment's tier from its name when none is given
// (DESIGN.md §A11): the first pattern found anywhere in the name, ignoring case, wins.
var tierGuesses = []struct {
	pattern *regexp.Regexp
	tier    string
}{
	{regexp.MustCompile(`(?i)(dev|review|trunk)`), "development"},
	{regexp.MustCompile(`(?i)(test|tst|int|ac(ce|)pt|qa|qc|control|quality)`), "testing"},
	{regexp.MustCompile(`(?i)(st(a|)g|mod(e|)l|pre|demo|non)`), "staging"},
	{regexp.MustCompile(`(?i)(pr(o|)d|live)`), "production"},
}

func guessTier(name string) string {
	for _, g := range tierGuesses {
		if g.pattern.MatchString(name) {
			return g.tier
		}
	}
	return "other"
}

// linksMergeRequests reports whether a success deployment to env links merge requests: always
// outside folders, and inside a folder only for production and staging environments (§A11).
func (e *environment) linksMergeRequests() bool {
	return !strings.Contains(e.name, "/") || e.tier == "production" || e.tier == "staging"
}
