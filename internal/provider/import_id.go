package provider

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// importIDFormat is the import id of a deployment, as error messages and docs state it.
const importIDFormat = "<project>:<deployment_id>"

// parseImportID splits `<project>:<deployment_id>`, where project is a numeric id or a full path
// such as `acme/app` and deployment_id is the deployment's global id (not its iid).
func parseImportID(id string) (project string, deploymentID int64, err error) {
	project, ids, err := parseColonIDs(id, importIDFormat, "acme/app:42 or 7:42", "deployment id")
	if err != nil {
		return "", 0, err
	}
	return project, ids[0], nil
}

// parseApprovalImportID splits `<project>:<deployment_id>[:<user_id>[:<rule_id>]]`; absent ids
// are 0.
func parseApprovalImportID(id string) (project string, deploymentID, userID, ruleID int64, err error) {
	project, ids, err := parseColonIDs(id, approvalImportIDFormat,
		"acme/app:42 (the provider user's decision) or acme/app:42:7 (user 7's decision)", "deployment id", "user id", "rule id")
	if err != nil {
		return "", 0, 0, 0, err
	}
	ids = append(ids, 0, 0)
	return project, ids[0], ids[1], ids[2], nil
}

// parseColonIDs splits an import id into a project and positive ids, separated by colons (GitLab
// paths hold none): the first id is required, the others optional, named by names in errors
// that state the format and an example.
func parseColonIDs(id, format, example string, names ...string) (project string, ids []int64, err error) {
	parts := strings.Split(id, ":")
	switch {
	case len(parts) == 1:
		return "", nil, fmt.Errorf("import id %q has no colon; the expected format is %s, for example %s",
			shorten(id), format, example)
	case len(parts) > 1+len(names):
		return "", nil, fmt.Errorf("import id %q has %d parts separated by colons, at most %d; the expected format is %s, "+
			"for example %s", shorten(id), len(parts), 1+len(names), format, example)
	}
	project = parts[0]
	if err := checkProject(project); err != nil {
		return "", nil, fmt.Errorf("import id %q: %w; the expected format is %s", shorten(id), err, format)
	}
	for i, raw := range parts[1:] {
		n, convErr := strconv.ParseInt(raw, 10, 64)
		if convErr != nil || n <= 0 || raw != strconv.FormatInt(n, 10) {
			hint := ""
			if i == 0 {
				hint = " (use the deployment's id, not its iid)"
			}
			return "", nil, fmt.Errorf("import id %q: the %s %q is not a positive whole number%s; the expected format is %s",
				shorten(id), names[i], shorten(raw), hint, format)
		}
		ids = append(ids, n)
	}
	return project, ids, nil
}

// maxPathLength is GitLab's limit on the path of a group or project, in characters.
const maxPathLength = 255

// checkProject accepts a positive numeric project id or a full path of at least two segments
// that GitLab could hold: letters, digits, '_', '-' and '.', no segment "." or "..", none
// longer than maxPathLength.
func checkProject(project string) error {
	switch {
	case project == "":
		return fmt.Errorf("the project is empty")
	case isDigits(project):
		if id, err := strconv.ParseInt(project, 10, 64); err != nil || id <= 0 {
			return fmt.Errorf("the project %q is not a positive project id", shorten(project))
		}
		return nil
	case strings.ContainsFunc(project, unicode.IsSpace):
		return fmt.Errorf("the project %q contains spaces", shorten(project))
	case strings.Contains(project, ":"):
		return fmt.Errorf("the project %q contains a colon, which GitLab paths never do", shorten(project))
	case !strings.Contains(project, "/"):
		return fmt.Errorf("the project %q is neither a numeric id nor a full path such as acme/app", shorten(project))
	}
	for _, segment := range strings.Split(project, "/") {
		switch {
		case segment == "":
			return fmt.Errorf("the project path %q has an empty segment", shorten(project))
		case segment == "." || segment == "..":
			return fmt.Errorf("the project path %q has the segment %q, which names no group or project", shorten(project), segment)
		case utf8.RuneCountInString(segment) > maxPathLength:
			return fmt.Errorf("the project path %q has a segment longer than %d characters, GitLab's limit", shorten(project), maxPathLength)
		}
		if i := strings.IndexFunc(segment, func(r rune) bool { return !isPathChar(r) }); i >= 0 {
			r, _ := utf8.DecodeRuneInString(segment[i:])
			return fmt.Errorf("the project path %q holds the character %q; GitLab paths hold only letters, digits, "+
				"'_', '-' and '.' (give the path unencoded, as in acme/app)", shorten(project), string(r))
		}
	}
	return nil
}

// isPathChar reports whether GitLab allows r in a group or project path.
func isPathChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.'
}

// shorten cuts a value quoted in a message to a readable length.
func shorten(s string) string {
	const keep = 60
	if utf8.RuneCountInString(s) <= keep+20 {
		return s
	}
	runes := []rune(s)
	return fmt.Sprintf("%s… (%d characters)", string(runes[:keep]), len(runes))
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
