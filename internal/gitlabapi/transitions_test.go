package gitlabapi

import "testing"

// GitLab's transitions (DESIGN.md §A2): rows are the current status, columns the status asked for.
func TestTransitionAllowed(t *testing.T) {
	t.Parallel()
	to := []string{StatusRunning, StatusSuccess, StatusFailed, StatusCanceled}
	table := map[string][4]bool{
		StatusCreated:  {true, true, true, true},
		StatusRunning:  {false, true, true, true},
		StatusSuccess:  {false, false, true, true},
		StatusFailed:   {false, true, false, true},
		StatusCanceled: {false, true, true, false},
		StatusBlocked:  {true, true, true, true},
		StatusSkipped:  {false, true, true, true},
	}
	events := map[string]string{StatusRunning: "run", StatusSuccess: "succeed", StatusFailed: "drop", StatusCanceled: "cancel"}
	for from, row := range table {
		for i, status := range to {
			event, ok := TransitionAllowed(from, status)
			if ok != row[i] || event != events[status] {
				t.Errorf("TransitionAllowed(%q, %q) = %q, %v; want %q, %v", from, status, event, ok, events[status], row[i])
			}
		}
	}
	if _, ok := TransitionAllowed(StatusCreated, StatusBlocked); ok {
		t.Error("TransitionAllowed allowed blocked, which the API refuses")
	}
}
