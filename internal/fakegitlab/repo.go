package fakegitlab

import (
	"maps"
	"slices"
	"strings"
)

// repo is a project's repository as far as the fake knows it: named refs and known commits, with
// no commit graph.
type repo struct {
	branches map[string]string
	tags     map[string]string
	commits  []string // every known sha, in the order first seen
}

func newRepo() *repo {
	return &repo{branches: map[string]string{}, tags: map[string]string{}}
}

func (r *repo) clone() *repo {
	return &repo{branches: maps.Clone(r.branches), tags: maps.Clone(r.tags), commits: slices.Clone(r.commits)}
}

func (r *repo) addCommit(sha string) {
	if !slices.Contains(r.commits, sha) {
		r.commits = append(r.commits, sha)
	}
}

// add merges branches, tags and commits in a deterministic order.
func (r *repo) add(branches, tags map[string]string, commits []string) {
	for _, name := range sortedKeys(branches) {
		r.branches[name] = branches[name]
		r.addCommit(branches[name])
	}
	for _, name := range sortedKeys(tags) {
		r.tags[name] = tags[name]
		r.addCommit(tags[name])
	}
	for _, c := range commits {
		r.addCommit(c)
	}
}

// resolve finds the commit a ref or sha names: a branch, a tag, a known sha, or a unique
// abbreviation of one with at least 7 characters.
func (r *repo) resolve(s string) (string, bool) {
	if sha, ok := r.branches[s]; ok {
		return sha, true
	}
	if sha, ok := r.tags[s]; ok {
		return sha, true
	}
	if len(s) < 7 {
		return "", false
	}
	s = strings.ToLower(s)
	found := ""
	for _, c := range r.commits {
		if strings.HasPrefix(c, s) {
			if found != "" {
				return "", false
			}
			found = c
		}
	}
	return found, found != ""
}

// defaultBranch is main if it exists, else the first branch by name.
func (r *repo) defaultBranch() string {
	if _, ok := r.branches["main"]; ok {
		return "main"
	}
	if names := sortedKeys(r.branches); len(names) > 0 {
		return names[0]
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
