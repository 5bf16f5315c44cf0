package provider

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// errorAdvice says what a user can do about each kind of GitLab refusal, first match wins.
// Resources add their own, more precise text for the refusals only they can explain.
var errorAdvice = []struct {
	kind   error
	advice string
}{
	{gitlabapi.ErrUnauthorized, "GitLab did not accept the credentials. Check that \"token\" (or GITLAB_TOKEN) " +
		"is a valid, unexpired access token with the api scope, or that \"job_token\" (or CI_JOB_TOKEN) " +
		"belongs to a CI job that is still running."},
	{gitlabapi.ErrJobTokenScope, "The CI/CD job token may not reach this project. Add the job's project to this " +
		"project's job token allowlist (Settings > CI/CD > Job token permissions), or use an access token."},
	{gitlabapi.ErrForbidden, "The token's user lacks the permission. Reading deployments needs the Reporter " +
		"role, creating and updating them Developer, deleting them Maintainer; on a protected environment " +
		"the user also needs deploy access."},
	{gitlabapi.ErrUnreachable, "The provider could not reach GitLab at \"base_url\" (or GITLAB_BASE_URL): check its " +
		"scheme (https:// or http://), host and port, and the network. A connection that fails is retried for " +
		"\"unreachable_timeout\" (default 30s); raise it in the provider block to wait for a GitLab that is restarting."},
	{gitlabapi.ErrRouteNotFound, "The answer did not come from GitLab's API. Check that \"base_url\" (or " +
		"GITLAB_BASE_URL) is the address of your GitLab, such as https://gitlab.example.com."},
	{gitlabapi.ErrNotJSON, "The answer was not GitLab API JSON, as when \"base_url\" (or GITLAB_BASE_URL) leads " +
		"to a web page or a proxy. Check that it is the address of your GitLab."},
	{gitlabapi.ErrProjectNotFound, "GitLab shows no such project to these credentials: it does not exist, moved, " +
		"or the token's user is not a member of it. Check \"project\", the token, and that \"base_url\" points " +
		"at the right GitLab."},
	{gitlabapi.ErrRecordNotFound, "The deployment does not exist in that project any more. Run terraform plan " +
		"again: the refresh notices it is gone."},
	{gitlabapi.ErrNotFound, "The deployment does not exist in that project, or the token's user is not a member " +
		"of the project. Check \"project\", and that \"base_url\" points at the right GitLab."},
	{gitlabapi.ErrRateLimited, "GitLab kept throttling the requests. Wait a little and try again, or raise " +
		"\"max_retries\" in the provider block."},
	{gitlabapi.ErrServer, "GitLab failed to answer (a server error) after the configured retries. Try again " +
		"later, or raise \"max_retries\"."},
	{context.DeadlineExceeded, "The operation ran out of time. Raise the matching value in the resource's " +
		"\"timeouts\" block, or try again."},
	{context.Canceled, "Terraform asked the provider to stop (as on Ctrl-C). Run terraform plan to see what " +
		"GitLab holds now."},
}

// gitlabErrorDetail explains a failed GitLab request about subject (for example `deployment 7 of
// project "acme/app"`): what happened, GitLab's own answer, and what the user can do. A stop
// request or a timeout is said to be one, not blamed on GitLab.
func gitlabErrorDetail(subject string, err error) string {
	var b strings.Builder
	what := "GitLab refused or failed the request for %s."
	switch {
	case errors.Is(err, context.Canceled):
		what = "The request for %s was interrupted: Terraform asked the provider to stop."
	case errors.Is(err, context.DeadlineExceeded):
		what = "The request for %s ran out of time."
	}
	fmt.Fprintf(&b, what+"\n\nCause: %s", subject, err.Error())
	if advice := adviceFor(err); advice != "" {
		b.WriteString("\n\n")
		b.WriteString(advice)
	}
	return b.String()
}

func adviceFor(err error) string {
	var tlsErr *tls.CertificateVerificationError
	var authorityErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.Is(err, gitlabapi.ErrUntrustedCertificate), errors.As(err, &tlsErr), errors.As(err, &authorityErr), errors.As(err, &hostErr):
		return "GitLab's TLS certificate could not be verified. If GitLab uses a private CA, set \"cacert_file\" " +
			"(or GITLAB_CACERT_FILE) to its PEM certificate; only for testing, set \"insecure\" = true."
	case errors.Is(err, gitlabapi.ErrOutcomeUnknown):
		return "GitLab may or may not have applied the change before the answer was lost. Check the deployment " +
			"in GitLab, then run terraform apply again: the refresh picks up what GitLab holds."
	}
	if refusal, ok := gitlabapi.MissingTokenPermissions(err); ok {
		return tokenPermissionAdvice(refusal)
	}
	for _, a := range errorAdvice {
		if errors.Is(err, a.kind) {
			return a.advice
		}
	}
	if gitlabapi.StatusCode(err) == 0 {
		return "The provider could not reach GitLab. Check \"base_url\" (or GITLAB_BASE_URL) and the network."
	}
	return ""
}

// addGitLabError adds the diagnostic for a failed GitLab request about subject.
func addGitLabError(diags *diag.Diagnostics, summary, subject string, err error) {
	diags.AddError(summary, gitlabErrorDetail(subject, err))
}

// addGitLabAttributeError adds the diagnostic for a failed GitLab request that one attribute
// caused, with advice about that attribute.
func addGitLabAttributeError(diags *diag.Diagnostics, attr path.Path, summary, subject string, err error, advice string) {
	diags.AddAttributeError(attr, summary, fmt.Sprintf("GitLab refused the request for %s.\n\nCause: %s\n\n%s",
		subject, err.Error(), advice))
}

// deploymentSubject names a deployment in diagnostics.
func deploymentSubject(project string, id int64) string {
	return fmt.Sprintf("deployment %d of project %q", id, project)
}

// transitionRefusedDetail explains a status change GitLab refuses (DESIGN.md §A2).
func transitionRefusedDetail(subject, from, to string) string {
	event, _ := gitlabapi.TransitionAllowed(from, to)
	var why, ways string
	switch {
	case from == to:
		why = fmt.Sprintf("GitLab refuses to move a deployment to the status it already has (event %q).", event)
		ways = "Set \"status\" to another value, or leave it as it is."
	case to == gitlabapi.StatusRunning:
		why = fmt.Sprintf("GitLab moves a deployment to %q only from \"created\" or \"blocked\" (event %q); "+
			"this one is %q.", to, event, from)
		ways = fmt.Sprintf("Set \"status\" to %q (what GitLab holds) or to another finished status, or record a "+
			"new run with terraform apply -replace=<address>, which creates a new deployment.", from)
	default:
		why = fmt.Sprintf("GitLab cannot move a %q deployment to %q (event %q).", from, to, event)
		ways = fmt.Sprintf("Set \"status\" to %q (what GitLab holds), or replace the deployment with "+
			"terraform apply -replace=<address>.", from)
	}
	return fmt.Sprintf("Cannot change the status of %s from %q to %q. %s\n\n%s", subject, from, to, why, ways)
}

// ciDeploymentDetail explains that GitLab refuses every API change to a CI-created deployment.
func ciDeploymentDetail(subject, change string) string {
	return fmt.Sprintf("%s was created by a GitLab CI job, and GitLab refuses to change such deployments through "+
		"the API (\"Deployments created using GitLab CI can not be updated using the API\"); this plan would %s.\n\n"+
		"Drive it from its pipeline instead (run, retry or cancel the job). To keep it under Terraform, make the "+
		"configuration match GitLab: leave \"status\" out to follow whatever GitLab holds, or set it to GitLab's "+
		"status. To stop managing it, remove it from the state with a removed block or terraform state rm.",
		capitalize(subject), change)
}

// deleteRefusedDetail explains why GitLab refused to delete a deployment and the ways out.
func deleteRefusedDetail(subject string, err error) string {
	switch {
	case errors.Is(err, gitlabapi.ErrDeploymentRunning):
		return fmt.Sprintf("GitLab refuses to delete %s because it is running (\"Cannot destroy running "+
			"deployment\"). The deployment is still in GitLab and in the Terraform state.\n\n"+
			"Ways out: set on_destroy = \"cancel_and_delete\" to cancel it first; set \"status\" to a finished "+
			"status and apply before destroying; or set on_destroy = \"keep\" to leave it in GitLab as history. "+
			"When a change replaces the deployment, Terraform destroys the old one as the state holds it, so set "+
			"on_destroy = \"keep\" (or \"cancel_and_delete\") and apply that alone first, then the change. "+
			deposedWaysOut, subject)
	case errors.Is(err, gitlabapi.ErrCurrentlyDeployed):
		return fmt.Sprintf("GitLab refuses to delete %s because it is the deployment currently deployed to its "+
			"environment: the successful deployment that finished last (\"Deployment currently deployed to "+
			"environment\"). The deployment is still in GitLab and in the Terraform state.\n\n"+
			"Ways out: when replacing it, add lifecycle { create_before_destroy = true } so that the new successful "+
			"deployment becomes the current one before the old one is deleted; or set on_destroy = \"keep\" to "+
			"leave it in GitLab as history (the default), and apply that alone first when a change replaces it. on_destroy = \"cancel_and_delete\" cancels only running "+
			"deployments, so it does not help here.", subject)
	}
	return gitlabErrorDetail(subject, err)
}

// deposedWaysOut is what works for the old object of a create_before_destroy replacement whose
// delete GitLab refused (DESIGN.md §B23).
const deposedWaysOut = "The old object of a create_before_destroy replacement that failed here is kept by " +
	"Terraform (deposed) and destroyed from the state it holds, which no apply changes: make GitLab accept the " +
	"delete (finish or cancel the deployment, or let a newer success become the environment's current one), " +
	"or remove the resource from the state and import the new deployment."

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// notFoundRead is a 404 to the read of the deployment a resource tracks or imports.
type notFoundRead struct {
	summary, project string
	id               int64
	kept             string // what the state keeps, e.g. "the deployment"
	assumption       string // what the provider does not assume, e.g. "it was deleted"
	importing        bool   // the read of an import: nothing is in the state yet
	importFormat     string // the import id's format, for the advice
	// identityProjectID is the project_id of the identity an import was made by, else 0.
	identityProjectID int64
}

// deploymentIDIsGlobal ends the advice of an import that names a deployment GitLab does not have.
const deploymentIDIsGlobal = "GitLab's global id of the deployment (as gitlabdeploy_deployments lists it in " +
	"deployment_id), not the number GitLab's pages show as #N (its iid)."

// deletedInGitLab tells a deployment deleted in GitLab from the other causes of a 404 (a wrong
// base_url, a token that lost access, a moved project): it reports true only when GitLab still
// shows the project and says the deployment is missing, outside an import. Otherwise it adds an
// error saying what happened and what the state holds.
func deletedInGitLab(ctx context.Context, client *gitlabapi.Client, diags *diag.Diagnostics, err error, nf notFoundRead) bool {
	subject := deploymentSubject(nf.project, nf.id)
	outcome := fmt.Sprintf("The provider keeps %s in the state rather than assume %s.", nf.kept, nf.assumption)
	if nf.importing {
		outcome = "Nothing was imported."
	}
	if !errors.Is(err, gitlabapi.ErrRecordNotFound) {
		// Not GitLab's answer about a deployment: a base_url that misses GitLab's API, or a
		// project out of reach. Whether the deployment exists is unknown.
		diags.AddError(nf.summary, gitlabErrorDetail(subject, err)+"\n\n"+outcome)
		return false
	}
	projectErr := client.CheckProjectReadable(ctx, nf.project)
	switch {
	case projectErr == nil && !nf.importing:
		return true
	case projectErr == nil && nf.identityProjectID != 0:
		diags.AddError(nf.summary, fmt.Sprintf(
			"The import block's identity names deployment_id = %d of project_id = %d (project %q): GitLab shows the "+
				"project, and answered 404 Not Found for the deployment. Nothing was imported.\n\nCheck deployment_id "+
				"in the identity: it is %s", nf.id, nf.identityProjectID, nf.project, deploymentIDIsGlobal))
		return false
	case projectErr == nil:
		diags.AddError(nf.summary, fmt.Sprintf(
			"Project %q has no deployment with id %d: GitLab shows the project, and answered 404 Not Found for the "+
				"deployment. Nothing was imported.\n\nCheck the import id, written %s: the deployment id is %s",
			nf.project, nf.id, nf.importFormat, deploymentIDIsGlobal))
		return false
	}
	if nf.importing && nf.identityProjectID != 0 {
		diags.AddError(nf.summary, fmt.Sprintf(
			"The import block's identity names deployment_id = %d of project_id = %d: GitLab answered 404 Not Found "+
				"for the deployment, and the project cannot be read either (%s). Nothing was imported.\n\nCheck "+
				"project_id in the identity (GitLab's numeric id of the project, shown on its overview page), "+
				"base_url, and the token's access to the project.", nf.id, nf.identityProjectID, projectErr))
		return false
	}
	diags.AddError(nf.summary, fmt.Sprintf(
		"GitLab answered 404 Not Found for %s, and project %q cannot be read either (%s).\n\n"+
			"%s A wrong \"base_url\", a token that lost access to the project, or a moved project look the same. "+
			"Check base_url and the token's access. If the project is really gone, remove the resource "+
			"from the state with a removed block or terraform state rm.", subject, nf.project, projectErr, outcome))
	return false
}
