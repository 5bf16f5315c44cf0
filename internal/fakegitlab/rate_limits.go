package fakegitlab

import (
	"net/http"
	"strconv"
)

// defaultDeploymentDeleteLimit is GitLab's deployment_delete limit: deletes per user per minute
// (DESIGN.md §A12).
const defaultDeploymentDeleteLimit = 500

// rateWindow counts one user's requests in one fixed window of the limit's interval.
type rateWindow struct {
	window int64 // Unix time divided by the interval
	count  int
}

// checkDeploymentDeleteLimit counts a delete request of the caller and refuses it, as GitLab's
// application rate limiter does, once the caller has sent more than the limit in the current
// minute; every request counts, refused ones too (DESIGN.md §A12).
func (c *call) checkDeploymentDeleteLimit() *reply {
	const interval = 60 // seconds
	limit := c.st.deploymentDeleteLimit
	if limit <= 0 {
		return nil
	}
	window := c.st.now().Unix() / interval
	w := c.st.deleteWindows[c.user.id]
	if w.window != window {
		w = rateWindow{window: window}
	}
	w.count++
	c.st.deleteWindows[c.user.id] = w
	if w.count <= limit {
		return nil
	}
	rep := msgReply(http.StatusTooManyRequests, map[string]string{
		"error": "This endpoint has been requested too many times. Try again later.",
	})
	rep.header = http.Header{"Retry-After": {strconv.Itoa(interval)}}
	return &rep
}
