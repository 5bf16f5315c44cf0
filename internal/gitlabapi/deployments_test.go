package gitlabapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFindCreated_adoptsOldestUnclaimedMatchSinceTheRequest pins which deployment a create
// whose answer was lost adopts: one created through the API with its parameters since it was
// sent by GitLab's clock, not claimed by another create, the oldest first.
func TestFindCreated_adoptsOldestUnclaimedMatchSinceTheRequest(t *testing.T) {
	t.Parallel()
	started := time.Now()
	at := func(d time.Duration) time.Time { return started.Add(d) }
	listed := []any{ // in the order asked for: oldest first
		deploymentJSON(1, "production", "main", "abc", "running", at(-time.Hour), false),           // before the request
		deploymentJSON(2, "production", "main", "abc", "running", at(-100*time.Millisecond), true), // made by CI
		deploymentJSON(3, "production", "main", "other", "running", at(-50*time.Millisecond), false),
		deploymentJSON(4, "production", "main", "abc", "success", at(0), false),
		deploymentJSON(5, "production", "main", "abc", "running", at(10*time.Millisecond), false), // a match
		deploymentJSON(6, "production", "main", "abc", "running", at(20*time.Millisecond), false), // a newer match
	}
	var listQuery string
	s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if strings.HasSuffix(r.URL.Path, "/deployments") {
			listQuery = r.URL.Query().Encode()
			writeJSON(w, 200, listed)
			return
		}
		id, _ := strconv.ParseInt(r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:], 10, 64)
		for _, d := range listed {
			if m, _ := d.(map[string]any); m["id"] == id {
				writeJSON(w, 200, m)
				return
			}
		}
		writeMessage(w, 404, "404 Not found")
	})
	c := newTestClient(t, s.URL)
	opts := CreateDeploymentOptions{Environment: "production", Ref: "main", SHA: "abc", Status: StatusRunning}
	ctx := context.Background()

	for _, want := range []int64{5, 6, 0} {
		d, err := c.findCreated(ctx, "1", opts, started)
		if err != nil {
			t.Fatal(err)
		}
		got := int64(0)
		if d != nil {
			got = d.ID
		}
		if got != want {
			t.Fatalf("adopted deployment %d, want %d (0: none)", got, want)
		}
	}
	for _, part := range []string{"environment=production", "order_by=updated_at", "sort=asc", "updated_after="} {
		if !strings.Contains(listQuery, part) {
			t.Errorf("the search asked %q, without %q", listQuery, part)
		}
	}
}
