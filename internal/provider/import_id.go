package provider

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// importIDFormat is the import id of a deployment, as error messages and docs state it.
const importIDFormat = "<project>:<deployment_id>"

// parseImportID splits `<project>:<deployment_id>`, where project is a numeric id or a full path
// such as `acme/app` (GitLab paths hold no colon) and deployment_id is the deployment's global
// id (not its iid).
func parseImportID(id string) (project string, deploymentID int64, err error) {
	i := strings.LastIndex(id, ":")
	if i < 0 {
		return "", 0, fmt.Errorf("import id %q has no colon; the expected format is %s, "+
			"for example acme/app:42 or 7:42", id, importIDFormat)
	}
	project, rawID := id[:i], id[i+1:]
	if err := checkProject(project); err != nil {
		return "", 0, fmt.Errorf("import id %q: %w; the expected format is %s", id, err, importIDFormat)
	}
	deploymentID, convErr := strconv.ParseInt(rawID, 10, 64)
	if convErr != nil || deploymentID <= 0 || rawID != strconv.FormatInt(deploymentID, 10) {
		return "", 0, fmt.Errorf("import id %q: the deployment id %q is not a positive whole number (use the "+
			"deployment's id, not its iid); the expected format is %s", id, rawID, importIDFormat)
	}
	return project, deploymentID, nil
}

// checkProject accepts a numeric project id or a full path of at least two segments.
func checkProject(project string) error {
	switch {
	case project == "":
		return fmt.Errorf("the project is empty")
	case isDigits(project):
		return nil
	case strings.ContainsFunc(project, unicode.IsSpace):
		return fmt.Errorf("the project %q contains spaces", project)
	case strings.Contains(project, ":"):
		return fmt.Errorf("the project %q contains a colon, which GitLab paths never do", project)
	case !strings.Contains(project, "/"):
		return fmt.Errorf("the project %q is neither a numeric id nor a full path such as acme/app", project)
	}
	for _, segment := range strings.Split(project, "/") {
		if segment == "" {
			return fmt.Errorf("the project path %q has an empty segment", project)
		}
	}
	return nil
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
