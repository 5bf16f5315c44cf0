package gitlabapi

// APIStatuses are the statuses a deployment can be created with or moved to through the API.
var APIStatuses = []string{StatusRunning, StatusSuccess, StatusFailed, StatusCanceled}

// statusEvents names the state-machine event GitLab fires for each status a PUT asks for.
var statusEvents = map[string]string{
	StatusRunning:  "run",
	StatusSuccess:  "succeed",
	StatusFailed:   "drop",
	StatusCanceled: "cancel",
}

// TransitionAllowed reports whether GitLab moves a deployment from status from to status to
// with a PUT (DESIGN.md §A2), and names the event it fires. GitLab runs a deployment only
// from created or blocked; it succeeds, drops or cancels one from any other status. Moving to
// the current status is refused too: GitLab treats it as an error, not a no-op.
func TransitionAllowed(from, to string) (event string, ok bool) {
	event, known := statusEvents[to]
	switch {
	case !known:
		return "", false
	case to == StatusRunning:
		return event, from == StatusCreated || from == StatusBlocked
	default:
		return event, from != to
	}
}
