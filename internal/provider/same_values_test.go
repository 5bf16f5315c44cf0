package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// TestSameValues guards Read's shortcut: a model equals itself after setFromAPI with what it
// already holds, and any field GitLab changed makes it differ.
func TestSameValues(t *testing.T) {
	t.Parallel()
	d := &gitlabapi.Deployment{ID: 7, IID: 3, Ref: "main", SHA: shaMain, Status: gitlabapi.StatusRunning,
		Environment: gitlabapi.Environment{ID: 2, Name: "staging"}, User: gitlabapi.User{ID: 2, Username: "mae", Name: "Mae"}}
	var m deploymentResourceModel
	m.Project = types.StringValue("acme/app")
	m.setFromAPI(d)
	same := m
	same.setFromAPI(d)
	if !sameValues(m, same) {
		t.Error("a model and the same model refreshed with the same answer differ")
	}
	changed := m
	moved := *d
	moved.Status = gitlabapi.StatusSuccess
	changed.setFromAPI(&moved)
	if sameValues(m, changed) {
		t.Error("a model whose status GitLab changed is reported unchanged")
	}
	approved := m
	withApproval := *d
	withApproval.Approvals = []gitlabapi.Approval{{User: gitlabapi.User{ID: 3}, Status: gitlabapi.ApprovalApproved}}
	approved.setFromAPI(&withApproval)
	if sameValues(m, approved) {
		t.Error("a model that gained an approval is reported unchanged")
	}
}
