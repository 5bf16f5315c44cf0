package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

func TestGitLabErrorDetail_advice(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err    error
		advice string
	}{
		{gitlabapi.ErrUnauthorized, "did not accept the credentials"},
		{gitlabapi.ErrJobTokenScope, "job token allowlist"},
		{gitlabapi.ErrForbidden, "lacks the permission"},
		{gitlabapi.ErrRouteNotFound, "did not come from GitLab's API"},
		{gitlabapi.ErrProjectNotFound, "no such project"},
		{gitlabapi.ErrRecordNotFound, "does not exist in that project"},
		{gitlabapi.ErrRateLimited, "max_retries"},
		{gitlabapi.ErrServer, "server error"},
		{gitlabapi.ErrOutcomeUnknown, "may or may not have applied"},
		{gitlabapi.ErrUntrustedCertificate, "cacert_file"},
		{context.DeadlineExceeded, "timeouts"},
		{fmt.Errorf("dial tcp: connection refused"), "could not reach GitLab"},
	}
	for _, tc := range cases {
		err := fmt.Errorf("GET /projects/acme%%2Fapp/deployments/7: %w", tc.err)
		detail := gitlabErrorDetail(deploymentSubject("acme/app", 7), err)
		if !strings.Contains(detail, `deployment 7 of project "acme/app"`) || !strings.Contains(detail, tc.err.Error()) ||
			!strings.Contains(detail, tc.advice) {
			t.Errorf("detail for %v = %q; want the subject, the cause and %q", tc.err, detail, tc.advice)
		}
	}
}

func TestTransitionRefusedDetail(t *testing.T) {
	t.Parallel()
	detail := transitionRefusedDetail(`deployment 7 of project "acme/app"`, "success", "running")
	for _, want := range []string{`from "success" to "running"`, `only from "created" or "blocked"`, `Set "status" to "success"`, "-replace"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail %q does not say %q", detail, want)
		}
	}
}

func TestDeleteRefusedDetail(t *testing.T) {
	t.Parallel()
	running := deleteRefusedDetail("deployment 7", fmt.Errorf("x: %w", gitlabapi.ErrDeploymentRunning))
	current := deleteRefusedDetail("deployment 7", fmt.Errorf("x: %w", gitlabapi.ErrCurrentlyDeployed))
	for detail, wants := range map[string][]string{
		running: {"running", "cancel_and_delete", `"keep"`, "still in GitLab and in the Terraform state"},
		current: {"currently deployed", "create_before_destroy", `"keep"`, "still in GitLab and in the Terraform state"},
	} {
		for _, want := range wants {
			if !strings.Contains(detail, want) {
				t.Errorf("detail %q does not say %q", detail, want)
			}
		}
	}
}
