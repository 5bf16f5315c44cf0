package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// The life-cycle matrix (DESIGN.md §B34): for each resource, every combination of what GitLab did
// since the last apply, what the configuration changes and what the user runs, each cell a named
// subtest with a fake GitLab of its own, and one function, checkInvariants, that checks the same
// rules in every cell. The expectations come from GitLab's rules (DESIGN.md §A), never from what
// the provider does today.

// matrixCell is one combination.
type matrixCell struct {
	subject  *matrixSubject
	baseline matrixBaseline
	event    matrixEvent
	change   matrixChange
	op       matrixOp
	// cbd: the resource has lifecycle { create_before_destroy = true }.
	cbd bool
}

func (c matrixCell) name() string {
	name := fmt.Sprintf("%s/%s/%s/%s", c.baseline.name, c.event.name, c.change.name, c.op)
	if c.cbd {
		name += "+cbd"
	}
	return name
}

// fullName is the name with the resource type, which knownLimits and awaitingFix match.
func (c matrixCell) fullName() string { return c.subject.typeName + "/" + c.name() }

// matrixBaseline is what the first apply recorded: a configuration and, for the deployment, its
// status and on_destroy.
type matrixBaseline struct {
	name string
	// status and onDestroy: the deployment's; ci: a CI job made it (the resource imported it).
	status, onDestroy string
	ci                bool
	// decision is the approval's status; representedAs its rule, or "".
	decision, representedAs string
}

// matrixEvent is what GitLab did since the last apply.
type matrixEvent struct {
	name string
	do   func(r *cellRun)
}

// matrixChange is what the configuration changes since the last apply.
type matrixChange struct {
	name string
	// apply changes the configuration; it may read the cell's baseline.
	apply func(r *cellRun, cfg map[string]tftypes.Value)
	// canReplace: the change may replace the resource, so create_before_destroy matters.
	canReplace bool
}

// matrixOp is what the user runs.
type matrixOp string

const (
	opPlan             matrixOp = "plan"
	opApply            matrixOp = "apply"
	opDestroy          matrixOp = "destroy"
	opReplace          matrixOp = "replace"
	opImportByID       matrixOp = "import_by_id"
	opImportByIdentity matrixOp = "import_by_identity"
	opRefresh          matrixOp = "refresh"
)

var matrixOps = []matrixOp{opPlan, opApply, opDestroy, opReplace, opImportByID, opImportByIdentity, opRefresh}

// matrixSubject is one resource's matrix.
type matrixSubject struct {
	typeName, seed, token string
	baselines             []matrixBaseline
	events                []matrixEvent
	changes               []matrixChange
	// exclusions are the rules that take out the cells that cannot occur; each returns why, or "".
	exclusions []func(matrixCell) string
	// setup records the baseline (the first apply) and returns its configuration.
	setup func(r *cellRun) map[string]tftypes.Value
	// key names the GitLab object a state holds.
	key func(r *cellRun, inst *tfInstance) objectKey
	// view reads what GitLab holds of the objects the cell can touch.
	view func(r *cellRun) gitlabView
	// refusal is what GitLab will refuse in the cell's command, by GitLab's rules, or "".
	refusal func(r *cellRun, before gitlabView) string
	// importID is the import id of the baseline's object.
	importID func(r *cellRun) string
	// identity is the import identity of the baseline's object.
	identity func(r *cellRun, h *protocolHarness) *tfprotov6.ResourceIdentityData
}

// objectKey names a deployment (user 0) or a user's decision on one.
type objectKey struct{ deployment, user int64 }

func (k objectKey) String() string {
	if k.user != 0 {
		return fmt.Sprintf("decision of user %d on deployment %d", k.user, k.deployment)
	}
	return fmt.Sprintf("deployment %d", k.deployment)
}

// gitlabObject is a deployment or decision as GitLab holds it.
type gitlabObject struct {
	status  string
	ci      bool
	current bool  // the environment's currently deployed deployment
	pending int64 // approvals the deployment still waits for
}

type gitlabView map[objectKey]gitlabObject

// cellRun is one cell being run.
type cellRun struct {
	t      *testing.T
	cell   matrixCell
	fake   *fakegitlab.Server
	admin  *gitlabapi.Client
	runner *tfRunner
	inst   tfInstance
	config tfConfig
	// unchanged is the configuration before the cell's change (after the user followed a rename):
	// what advice to apply a setting "alone first" applies it to.
	unchanged tfConfig
	// baseline is the object the first apply recorded; second, for the approval, another
	// deployment waiting for approval.
	baseline objectKey
	second   int64
	// renamedTo is the project's new path after the project_renamed event.
	renamedTo string
	// notes tell what the cell ran, for failure messages.
	notes []string
}

func (r *cellRun) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// TestLifecycleMatrix runs every cell of both resources' matrices.
func TestLifecycleMatrix(t *testing.T) {
	t.Parallel()
	t.Cleanup(func() {
		// Once every cell has run, an awaitingFix entry that excused nothing is stale: its fix
		// has landed, and the entry should go.
		awaitingFixUse.Lock()
		defer awaitingFixUse.Unlock()
		if awaitingFixUse.cells < len(deploymentMatrix().cells())+len(approvalMatrix().cells()) {
			return
		}
		for i, a := range awaitingFix {
			if !awaitingFixUse.used[i] {
				t.Logf("awaitingFix entry %q (%s, %s) excused no cell: remove it", a.pattern, a.invariant, a.item)
			}
		}
	})
	for _, subject := range []*matrixSubject{deploymentMatrix(), approvalMatrix()} {
		t.Run(subject.typeName, func(t *testing.T) {
			t.Parallel()
			for _, cell := range subject.cells() {
				t.Run(cell.name(), func(t *testing.T) {
					t.Parallel()
					runCell(t, cell)
				})
			}
		})
	}
}

// cells lists the cells of a subject that can occur.
func (s *matrixSubject) cells() []matrixCell {
	var out []matrixCell
	for _, b := range s.baselines {
		for _, e := range s.events {
			for _, c := range s.changes {
				for _, op := range matrixOps {
					for _, cbd := range []bool{false, true} {
						cell := matrixCell{subject: s, baseline: b, event: e, change: c, op: op, cbd: cbd}
						if !s.excluded(cell) {
							out = append(out, cell)
						}
					}
				}
			}
		}
	}
	return out
}

func (s *matrixSubject) excluded(c matrixCell) bool {
	for _, rule := range append(commonExclusions, s.exclusions...) {
		if rule(c) != "" {
			return true
		}
	}
	return false
}

// commonExclusions hold for both resources.
var commonExclusions = []func(matrixCell) string{
	// create_before_destroy only orders the two halves of a replacement: a cell that cannot
	// replace runs without it.
	func(c matrixCell) string {
		if c.cbd && !c.change.canReplace && c.op != opReplace {
			return "create_before_destroy without a replacement"
		}
		return ""
	},
	// A refresh reads GitLab only: the configuration is not sent, so its changes are the
	// unchanged configuration's cell.
	func(c matrixCell) string {
		if c.op == opRefresh && c.change.name != "unchanged" {
			return "refresh ignores the configuration"
		}
		return ""
	},
	// terraform destroy starts with the plan of the configuration, the apply cell's plan, which
	// checkInvariants holds to the destroy's rule (no error for a refused change); what is left
	// is the destroy plan and its apply, which read the state alone. Destroy cells are crossed with
	// the unchanged configuration, and with on_destroy, whose change a destroy must ignore
	// (DESIGN.md §B8).
	func(c matrixCell) string {
		if c.op == opDestroy && c.change.name != "unchanged" && c.change.name != "on_destroy" {
			return "the destroy's first plan is the apply cell's plan"
		}
		return ""
	},
	// terraform plan is the first half of terraform apply: the same calls in the same order. Each
	// apply cell checks its plan (what it warns of, that it writes nothing); plan cells of their
	// own run for the unchanged configuration only.
	func(c matrixCell) string {
		if c.op == opPlan && c.change.name != "unchanged" {
			return "checked as the first half of the apply cell"
		}
		return ""
	},
	// An import by id differs from an import by identity in the import call alone; what follows
	// is the same plan and apply. It is crossed with every event (what the import finds) and with
	// the changes that reach the import id itself; import by identity takes every change.
	func(c matrixCell) string {
		if c.op == opImportByID && c.change.name != "unchanged" && c.change.name != "project_spelling" {
			return "import by id differs from import by identity only in the import call"
		}
		return ""
	},
}

// runCell runs one cell: the baseline, the event, the command, the advice of its messages, and
// the invariants after each.
func runCell(t *testing.T, cell matrixCell) {
	defer func() {
		awaitingFixUse.Lock()
		awaitingFixUse.cells++
		awaitingFixUse.Unlock()
	}()
	log := &requestLog{}
	fake := fakegitlab.NewTestServer(t, loadSeed(t, cell.subject.seed), fakegitlab.Options{Fault: log.observe})
	r := &cellRun{t: t, cell: cell, fake: fake, admin: testClient(t, fake)}
	r.runner = &tfRunner{t: t, fake: fake, log: log, token: cell.subject.token, typeName: cell.subject.typeName}
	args := cell.subject.setup(r)
	r.config = tfConfig{args: args}
	r.baseline = cell.subject.key(r, &r.inst)
	cell.event.do(r)
	r.config = tfConfig{args: copyArgs(args), createBeforeDestroy: cell.cbd}
	if r.renamedTo != "" {
		// The user follows the rename in the configuration.
		r.config.args["project"] = tftypes.NewValue(tftypes.String, r.renamedTo)
	}
	r.unchanged = tfConfig{args: copyArgs(r.config.args), createBeforeDestroy: cell.cbd}
	cell.change.apply(r, r.config.args)

	before := cell.subject.view(r)
	tracked := cell.subject.key(r, &r.inst)
	refused := cell.subject.refusal(r, before)
	cmd := r.run(cell.op)
	after := cell.subject.view(r)
	violations := checkInvariants(r, cmd, tracked, before, after, refused)
	if len(violations) == 0 {
		violations = r.followAdvice(cmd)
	}
	report(t, cell, r, cmd, violations)
}

func copyArgs(args map[string]tftypes.Value) map[string]tftypes.Value {
	out := make(map[string]tftypes.Value, len(args))
	for k, v := range args {
		out[k] = v
	}
	return out
}

// run runs the user's command.
func (r *cellRun) run(op matrixOp) *tfCommand {
	switch op {
	case opPlan:
		return r.runner.plan(&r.inst, r.config)
	case opApply:
		return r.runner.applyConfig(&r.inst, r.config, false)
	case opReplace:
		return r.runner.applyConfig(&r.inst, r.config, true)
	case opDestroy:
		return r.runner.destroy(&r.inst, r.config)
	case opImportByID:
		r.inst = tfInstance{}
		return r.runner.importThenApply(&r.inst, r.cell.subject.importID(r), nil, r.config)
	case opImportByIdentity:
		r.inst = tfInstance{}
		return r.runner.importThenApply(&r.inst, "", r.cell.subject.identity(r, r.runner.provider()), r.config)
	case opRefresh:
		return r.runner.refreshOnly(&r.inst)
	}
	r.t.Fatalf("unknown op %s", op)
	return nil
}

// knownLimits are cells the provider cannot honour, with the reason. A cell matches an entry
// when its name matches the pattern; its violations of the named invariant are logged, not
// failed.
var knownLimits = []struct {
	pattern, invariant, reason string
}{
	{
		pattern: `/replace(\+cbd)?$`, invariant: invariantToldAtPlan,
		reason: "terraform apply -replace is invisible at plan: Terraform plans the old object unchanged and the " +
			"new one as a create, so the provider cannot warn of the old one's refused delete; the delete refuses " +
			"before sending anything",
	},
	{
		pattern: `^gitlabdeploy_deployment_approval/`, invariant: invariantToldAtPlan,
		reason: "the plan of a new decision (a create or a replacement) reads nothing (DESIGN.md §B5: creates " +
			"are never refused at plan, GitLab alone knows whether it takes a decision), so a decision on a " +
			"deployment that was deleted or stopped waiting is refused only at apply, by GitLab",
	},
	{
		pattern: `^gitlabdeploy_deployment_approval/`, invariant: invariantNoWriteWhenRefused,
		reason: "the create of a new decision sends it and lets GitLab judge (DESIGN.md §B5), as above",
	},
	{
		pattern: `\+cbd$`, invariant: invariantAdviceWorks,
		reason: "under create_before_destroy a refused delete leaves the old object deposed, and Terraform " +
			"destroys a deposed object from the state it holds, planning and applying its destroy without " +
			"configuration (terraform NodeDestroyDeposedResourceInstanceObject.Execute reads " +
			"readResourceInstanceStateDeposed): no apply of on_destroy reaches it. The message names the ways " +
			"that do (the deployment finished or canceled in GitLab, or the resource removed from the state and " +
			"the new deployment imported; DESIGN.md §B23)",
	},
	{
		pattern: `\+cbd$`, invariant: invariantNoWriteWhenRefused,
		reason: "create_before_destroy is invisible at plan (no plan request carries lifecycle settings), and " +
			"Terraform creates the new object before it asks for the old one's delete: the new deployment is " +
			"recorded before GitLab's refusal of the old one's delete (DESIGN.md §B5)",
	},
}

// awaitingFix are cells that break an invariant on an issue-18 bug not yet fixed, by the item
// that fixes them. Those violations are logged, not failed; remove an entry once its fix lands.
var awaitingFix = []struct {
	pattern, invariant, item string
}{}

// awaitingFixUse records which awaitingFix entries excused a violation, and how many cells ran.
var awaitingFixUse = struct {
	sync.Mutex
	used  map[int]bool
	cells int
}{used: map[int]bool{}}

// violation is an invariant a cell broke.
type violation struct {
	invariant, detail string
}

// The invariants, by name.
const (
	invariantDestroyNotBlocked  = "a destroy is never blocked by a refusal of a change"
	invariantToldAtPlan         = "whatever GitLab will refuse is told at the plan, naming the argument and the fix"
	invariantNoWriteWhenRefused = "an apply that GitLab would refuse sends no write"
	invariantNoWriteTwice       = "no write is ever sent twice"
	invariantNoSilentAdoption   = "nothing is adopted silently"
	invariantStateKeeps         = "the state never loses a deployment or decision GitLab still has"
	invariantAdviceWorks        = "the advice a message gives works when followed"
	invariantPlanWritesNothing  = "a plan writes nothing"
)

// checkInvariants checks every rule of the matrix on one command of a cell: tracked is the
// object the state held before it, before and after what GitLab held around it, refused what
// GitLab's rules refuse in it ("" for nothing).
func checkInvariants(r *cellRun, cmd *tfCommand, tracked objectKey, before, after gitlabView, refused string) []violation {
	var out []violation
	fail := func(invariant, format string, args ...any) {
		out = append(out, violation{invariant, fmt.Sprintf(format, args...)})
	}
	if len(cmd.planWrites) > 0 {
		fail(invariantPlanWritesNothing, "the plan sent %v", cmd.planWrites)
	}

	// terraform destroy starts with this configuration's plan: it must not fail on a refused
	// change (an import's errors are the import's own).
	if cmd.name == "apply" || cmd.name == "plan" {
		for _, d := range cmd.planDiags {
			if d.Severity == tfprotov6.DiagnosticSeverityError {
				fail(invariantDestroyNotBlocked, "the plan, which terraform destroy runs first, failed: %s: %s", d.Summary, d.Detail)
			}
		}
	}
	// A destroy fails only on GitLab's own refusal of the delete that on_destroy promises.
	if cmd.name == "destroy" && cmd.failed() && refused == "" {
		fail(invariantDestroyNotBlocked, "terraform destroy failed though GitLab would delete as promised:\n%s",
			diagText(append(cmd.planDiags, cmd.applyDiags...)))
	}

	// What GitLab refuses is told at the plan, by a warning (an error only for a destroy) that
	// names the argument or the resource's fix.
	if refused != "" && cmd.name != "refresh" {
		told := refusalsOf(cmd.planDiags)
		if len(told) == 0 {
			fail(invariantToldAtPlan, "GitLab will refuse this (%s), but the plan said nothing:\n%s", refused, diagText(cmd.planDiags))
		}
		for _, d := range told {
			if advice(d.Detail) == nil {
				fail(invariantToldAtPlan, "%q gives no fix that a user can follow: %s", d.Summary, d.Detail)
			}
		}
	}
	// Every error of an apply was told at its plan.
	for _, d := range cmd.applyDiags {
		if d.Severity == tfprotov6.DiagnosticSeverityError && !gateOutcome(d) && len(refusalsOf(cmd.planDiags)) == 0 {
			fail(invariantToldAtPlan, "the apply failed with %q, which the plan did not tell: %s", d.Summary, d.Detail)
		}
	}

	// An apply that fails on a refusal sends nothing.
	if refused != "" || hasRefusalErrors(cmd.applyDiags) {
		gateOnly := refused == "" && hasGateOutcome(cmd.applyDiags) // the gate's own mark is no refusal
		if len(cmd.applyWrites) > 0 && !gateOnly {
			fail(invariantNoWriteWhenRefused, "the apply sent %v though GitLab refuses %s", cmd.applyWrites, refusedText(refused, cmd.applyDiags))
		}
	}

	seen := map[string]bool{}
	for _, w := range cmd.applyWrites {
		if seen[w.String()] {
			fail(invariantNoWriteTwice, "%s was sent twice", w)
		}
		seen[w.String()] = true
	}

	now := r.cell.subject.key(r, &r.inst)
	if now != (objectKey{}) && now != tracked && cmd.name != "import" {
		if _, existed := before[now]; existed && !mentions(append(cmd.planDiags, cmd.applyDiags...), now) {
			fail(invariantNoSilentAdoption, "the state now tracks %s, which GitLab held before the apply, and no message said so", now)
		}
	}

	// The state lets go of what it tracked only when GitLab no longer has it, or when the user
	// asked for it: a destroy or replacement that succeeded, which says so under keep.
	if tracked != (objectKey{}) && cmd.name != "import" {
		_, stillInGitLab := after[tracked]
		held := now == tracked || (r.inst.deposed != nil && r.cell.subject.key(r, r.inst.deposed) == tracked)
		if stillInGitLab && !held {
			switch {
			case cmd.failed():
				fail(invariantStateKeeps, "the state lost %s, which GitLab still holds (%s), in a %s that failed", tracked, after[tracked].status, cmd.name)
			case !hasWarning(cmd.applyDiags, "Kept in GitLab") && !hasWarning(cmd.applyDiags, "Stays Recorded"):
				fail(invariantStateKeeps, "the state let go of %s, which GitLab still holds, and no message said so", tracked)
			}
		}
	}
	return filterViolations(r, out)
}

// filterViolations logs, rather than fails, the violations of known limits and of cells
// awaiting an issue-18 fix.
func filterViolations(r *cellRun, vs []violation) []violation {
	var out []violation
	for _, v := range vs {
		logged := false
		for _, l := range knownLimits {
			if l.invariant == v.invariant && regexp.MustCompile(l.pattern).MatchString(r.cell.fullName()) {
				r.t.Logf("known limit (%s): %s: %s", l.reason, v.invariant, v.detail)
				logged = true
			}
		}
		for i, a := range awaitingFix {
			if !logged && a.invariant == v.invariant && regexp.MustCompile(a.pattern).MatchString(r.cell.fullName()) {
				r.t.Logf("awaiting the fix of %s: %s: %s", a.item, v.invariant, v.detail)
				logged = true
				awaitingFixUse.Lock()
				awaitingFixUse.used[i] = true
				awaitingFixUse.Unlock()
			}
		}
		if !logged {
			out = append(out, v)
		}
	}
	return out
}

func report(t *testing.T, cell matrixCell, r *cellRun, cmd *tfCommand, vs []violation) {
	if len(vs) == 0 {
		return
	}
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "\n- %s: %s", v.invariant, v.detail)
	}
	t.Errorf("%s\n%s: action %q\n%s\nplan:\n%sapply:\n%s", b.String(), cell.name(), cmd.action, strings.Join(r.notes, "\n"),
		diagText(cmd.planDiags), diagText(cmd.applyDiags))
}

// refusalsOf are the plan's messages of what GitLab will refuse: its warnings, and the errors of
// a destroy plan.
func refusalsOf(diags []*tfprotov6.Diagnostic) []*tfprotov6.Diagnostic {
	var out []*tfprotov6.Diagnostic
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError || strings.Contains(d.Detail, "will refuse") ||
			strings.Contains(d.Detail, "GitLab refuses") {
			out = append(out, d)
		}
	}
	return out
}

// gateOutcome: an approval gate's rejection or timeout, which is no refusal of GitLab's.
func gateOutcome(d *tfprotov6.Diagnostic) bool {
	return d.Summary == "Deployment Rejected" || d.Summary == "Deployment Approval Timed Out"
}

func hasGateOutcome(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if gateOutcome(d) {
			return true
		}
	}
	return false
}

func hasRefusalErrors(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError && !gateOutcome(d) {
			return true
		}
	}
	return false
}

func refusedText(refused string, diags []*tfprotov6.Diagnostic) string {
	if refused != "" {
		return refused
	}
	return strings.TrimSpace(diagText(diags))
}

func hasWarning(diags []*tfprotov6.Diagnostic, summaryPart string) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityWarning && strings.Contains(d.Summary, summaryPart) {
			return true
		}
	}
	return false
}

// mentions reports whether a message names the object (its deployment id).
func mentions(diags []*tfprotov6.Diagnostic, k objectKey) bool {
	id := regexp.MustCompile(fmt.Sprintf(`(#|deployment |:)%d\b`, k.deployment))
	for _, d := range diags {
		if id.MatchString(d.Summary + " " + d.Detail) {
			return true
		}
	}
	return false
}

// adviceStep is one piece of advice a message gives, as the user would follow it.
type adviceStep struct {
	what string
	// follow does it and says whether it worked.
	follow func(r *cellRun, cmd *tfCommand) error
}

// adviceRules recognise the advice the provider's messages give; each follows it as written.
var adviceRules = []struct {
	pattern *regexp.Regexp
	step    func(m []string) adviceStep
}{
	{
		// "set on_destroy = "keep" and apply that alone first": apply the configuration as it was
		// with only on_destroy changed, then retry the command with the change and on_destroy.
		regexp.MustCompile(`[Ss]et on_destroy = "(keep)"[^.]* alone first`),
		func(m []string) adviceStep {
			return adviceStep{what: `set on_destroy = "keep", apply it alone, and retry`, follow: func(r *cellRun, cmd *tfCommand) error {
				// The apply may still refuse a change beside on_destroy (it saves on_destroy and says
				// so): what counts is that the command retried then works.
				alone := tfConfig{args: copyArgs(r.unchanged.args), createBeforeDestroy: r.unchanged.createBeforeDestroy}
				alone.args["on_destroy"] = tftypes.NewValue(tftypes.String, onDestroyKeep)
				r.runner.applyConfig(&r.inst, alone, false)
				r.config.args["on_destroy"] = tftypes.NewValue(tftypes.String, onDestroyKeep)
				return r.retry(cmd)
			}}
		},
	},
	{
		// "set on_destroy = "keep" and apply it before destroying": apply that, then retry.
		regexp.MustCompile(`[Ss]et on_destroy = "(keep)"`),
		func(m []string) adviceStep {
			return adviceStep{what: `set on_destroy = "keep", apply, and retry`, follow: func(r *cellRun, cmd *tfCommand) error {
				// The apply may still refuse a change beside on_destroy (it saves on_destroy and says
				// so): what counts is that the command retried then works.
				r.config.args["on_destroy"] = tftypes.NewValue(tftypes.String, onDestroyKeep)
				r.runner.applyConfig(&r.inst, r.config, false)
				return r.retry(cmd)
			}}
		},
	},
	{
		// "add lifecycle { create_before_destroy = true }": retry with it.
		regexp.MustCompile(`create_before_destroy = true`),
		func(m []string) adviceStep {
			return adviceStep{what: "add create_before_destroy and retry", follow: func(r *cellRun, cmd *tfCommand) error {
				r.config.createBeforeDestroy = true
				return r.retry(cmd)
			}}
		},
	},
	{
		// "Set "status" back to "x"": the plan then changes nothing.
		regexp.MustCompile(`[Ss]et "status" back to "([a-z_]+)"`),
		func(m []string) adviceStep {
			return adviceStep{what: fmt.Sprintf(`set status back to %q`, m[1]), follow: func(r *cellRun, cmd *tfCommand) error {
				r.config.args["status"] = tftypes.NewValue(tftypes.String, m[1])
				return r.retry(cmd)
			}}
		},
	},
	{
		// "change "project" back".
		regexp.MustCompile(`change "project" back`),
		func(m []string) adviceStep {
			return adviceStep{what: "change project back", follow: func(r *cellRun, cmd *tfCommand) error {
				r.config.args["project"] = tftypes.NewValue(tftypes.String, "acme/app")
				return r.retry(cmd)
			}}
		},
	},
}

// advice lists the advice a message gives that the matrix can follow; nil when it gives none it
// recognises. The ways to stop managing the resource (removed, state rm, ignore_changes) count
// as a fix but need no following: they take the resource out of Terraform's hands.
func advice(detail string) []adviceStep {
	var steps []adviceStep
	for _, rule := range adviceRules {
		if m := rule.pattern.FindStringSubmatch(detail); m != nil {
			steps = append(steps, rule.step(m))
		}
	}
	if steps == nil && (strings.Contains(detail, "removed block") || strings.Contains(detail, "state rm") ||
		strings.Contains(detail, "Set ") || strings.Contains(detail, "set ") || strings.Contains(detail, "Use ") ||
		strings.Contains(detail, "Check ")) {
		steps = append(steps, adviceStep{what: "stop managing it, or change an argument", follow: nil})
	}
	return steps
}

// followAdvice follows the first advice the command's errors give (else its plan's refusals),
// and checks that it works.
func (r *cellRun) followAdvice(cmd *tfCommand) []violation {
	if cmd.name == "plan" || cmd.name == "refresh" {
		return nil
	}
	var messages []*tfprotov6.Diagnostic
	for _, d := range append(cmd.planDiags, cmd.applyDiags...) {
		if d.Severity == tfprotov6.DiagnosticSeverityError && !gateOutcome(d) {
			messages = append(messages, d)
		}
	}
	for _, d := range messages {
		for _, step := range advice(d.Detail) {
			if step.follow == nil {
				continue
			}
			r.note("following %q's advice: %s", d.Summary, step.what)
			if err := step.follow(r, cmd); err != nil {
				return filterViolations(r, []violation{{invariantAdviceWorks, fmt.Sprintf("%q advises to %s, which did not work: %v", d.Summary, step.what, err)}})
			}
			return nil
		}
	}
	return nil
}

// retry runs the command again, with the configuration as changed, and says whether it worked.
func (r *cellRun) retry(cmd *tfCommand) error {
	var again *tfCommand
	switch cmd.name {
	case "destroy":
		again = r.runner.destroy(&r.inst, r.config)
	case "import":
		again = r.runner.applyConfig(&r.inst, r.config, false)
	default:
		again = r.runner.applyConfig(&r.inst, r.config, r.cell.op == opReplace)
	}
	if again.failed() {
		return fmt.Errorf("the retried %s failed:\n%s", cmd.name, diagText(append(again.planDiags, again.applyDiags...)))
	}
	return nil
}

// ---- gitlabdeploy_deployment ----

// deploymentMatrix: a staging deployment of acme/app (basic.json) recorded by mae, a Maintainer.
func deploymentMatrix() *matrixSubject {
	s := &matrixSubject{typeName: "gitlabdeploy_deployment", seed: "basic.json", token: tokenMaintainer}
	s.baselines = []matrixBaseline{
		{name: "running_keep", status: "running", onDestroy: onDestroyKeep},
		{name: "running_delete", status: "running", onDestroy: onDestroyDelete},
		{name: "running_cancel_and_delete", status: "running", onDestroy: onDestroyCancelAndDelete},
		{name: "success_keep", status: "success", onDestroy: onDestroyKeep},
		{name: "success_delete", status: "success", onDestroy: onDestroyDelete},
		{name: "ci_running_keep", status: "running", onDestroy: onDestroyKeep, ci: true},
		{name: "ci_running_cancel_and_delete", status: "running", onDestroy: onDestroyCancelAndDelete, ci: true},
	}
	s.events = []matrixEvent{
		{name: "nothing", do: func(*cellRun) {}},
		{name: "status_moved_on", do: func(r *cellRun) { r.moveStatus(r.baseline.deployment, "failed") }},
		{name: "became_current", do: func(r *cellRun) { r.moveStatus(r.baseline.deployment, "success") }},
		{name: "ci_took_over", do: func(r *cellRun) { r.ciDeploysStaging("success") }},
		{name: "deleted", do: func(r *cellRun) { r.deleteInGitLab(r.baseline.deployment) }},
		{name: "approval_rules_added", do: func(r *cellRun) { r.protectStaging() }},
		{name: "project_renamed", do: func(r *cellRun) { r.renameProject() }},
	}
	str := func(v string) tftypes.Value { return tftypes.NewValue(tftypes.String, v) }
	s.changes = []matrixChange{
		{name: "unchanged", apply: func(*cellRun, map[string]tftypes.Value) {}},
		{name: "status", apply: func(r *cellRun, cfg map[string]tftypes.Value) {
			cfg["status"] = str(map[string]string{"running": "success", "success": "failed"}[r.cell.baseline.status])
		}},
		{name: "status_running", apply: func(r *cellRun, cfg map[string]tftypes.Value) { cfg["status"] = str("running") }},
		{name: "sha", canReplace: true, apply: func(r *cellRun, cfg map[string]tftypes.Value) {
			if r.cell.baseline.ci {
				cfg["sha"] = str(shaOld)
			} else {
				cfg["sha"] = str(shaMain)
			}
		}},
		{name: "project_spelling", apply: func(r *cellRun, cfg map[string]tftypes.Value) { cfg["project"] = str("1") }},
		{name: "on_destroy", apply: func(r *cellRun, cfg map[string]tftypes.Value) {
			if r.cell.baseline.onDestroy == onDestroyKeep {
				cfg["on_destroy"] = str(onDestroyDelete)
			} else {
				cfg["on_destroy"] = str(onDestroyKeep)
			}
		}},
		{name: "wait_for_approval", apply: func(r *cellRun, cfg map[string]tftypes.Value) {
			cfg["wait_for_approval"] = tftypes.NewValue(tftypes.Bool, true)
			// The gate gives up soon: nobody approves in the matrix.
			timeouts := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"create": tftypes.String, "update": tftypes.String}}
			cfg["timeouts"] = tftypes.NewValue(timeouts, map[string]tftypes.Value{"create": str("300ms"), "update": str("300ms")})
		}},
	}
	s.exclusions = []func(matrixCell) string{
		// Only a deployment that is not a success can become the current one by its status.
		func(c matrixCell) string {
			if c.event.name == "became_current" && (c.baseline.status == "success" || c.baseline.ci) {
				return "became_current needs a deployment that is not already a success, and one the API can move"
			}
			return ""
		},
		// GitLab's API refuses to move a CI job's deployment (A2), and the fake runs no pipelines:
		// its status moves only when the pipeline does.
		func(c matrixCell) string {
			if c.event.name == "status_moved_on" && c.baseline.ci {
				return "the API cannot move a CI job's deployment"
			}
			return ""
		},
		// A running CI deployment cannot be deleted through the API: GitLab refuses to delete a
		// running deployment and to cancel a CI job's (A2, A3).
		func(c matrixCell) string {
			if c.event.name == "deleted" && c.baseline.ci {
				return "a running CI deployment cannot be deleted"
			}
			return ""
		},
		// Approval rules reach the deployment resource only through wait_for_approval's gate (and
		// pending_approval_count, which every refresh reads): they are crossed with the
		// configurations that wait and the unchanged one.
		func(c matrixCell) string {
			if c.event.name == "approval_rules_added" && c.change.name != "wait_for_approval" && c.change.name != "unchanged" {
				return "approval rules matter only to wait_for_approval"
			}
			return ""
		},
		// An import starts from no state: the baseline's on_destroy never reaches it (the
		// configuration's does). Import cells start from the keep baselines.
		func(c matrixCell) string {
			if (c.op == opImportByID || c.op == opImportByIdentity) && c.baseline.onDestroy != onDestroyKeep {
				return "an import starts from no state"
			}
			return ""
		},
		// cancel_and_delete differs from delete only when something is deleted: a destroy, a
		// replacement, or a change of on_destroy.
		func(c matrixCell) string {
			if c.baseline.onDestroy == onDestroyCancelAndDelete && !c.baseline.ci && c.op != opDestroy && c.op != opReplace &&
				!c.change.canReplace && c.change.name != "on_destroy" {
				return "cancel_and_delete differs from delete only in what is deleted"
			}
			return ""
		},
		// terraform apply -replace does what a sha change does to the old deployment; the new
		// one is the create every apply cell makes. It is crossed with the changes that decide what
		// a replacement does: none, the new status, and on_destroy.
		func(c matrixCell) string {
			if c.op == opReplace && c.change.name != "unchanged" && c.change.name != "status" && c.change.name != "on_destroy" {
				return "-replace with this change is the sha change's replacement"
			}
			return ""
		},
		// wait_for_approval acts in creates and status changes only; a destroy never waits.
		func(c matrixCell) string {
			if c.op == opDestroy && c.change.name == "wait_for_approval" {
				return "a destroy never waits for approval"
			}
			return ""
		},
		// create_before_destroy orders the old deployment's delete after the new one's create;
		// under keep that delete sends nothing, so the order cannot matter.
		func(c matrixCell) string {
			if c.cbd && c.baseline.onDestroy == onDestroyKeep {
				return "under keep a replacement sends nothing to the old deployment"
			}
			return ""
		},
		// A deployment that finishes after ours changes only which one is current, and only a
		// success can be current (A3): ci_took_over is crossed with the success baselines.
		func(c matrixCell) string {
			if c.event.name == "ci_took_over" && c.baseline.status != "success" {
				return "only a success deployment can stop being the current one"
			}
			return ""
		},
		// A configuration that already says "running" does not change to it.
		func(c matrixCell) string {
			if c.change.name == "status_running" && c.baseline.status == "running" {
				return "status is already running"
			}
			return ""
		},
		// cancel_and_delete differs from delete only for running deployments (A3): the finished
		// baselines take it from delete.
		func(c matrixCell) string {
			if c.change.name == "on_destroy" && c.baseline.onDestroy == onDestroyCancelAndDelete {
				return "cancel_and_delete changes to keep as delete does"
			}
			return ""
		},
	}
	s.setup = func(r *cellRun) map[string]tftypes.Value {
		b := r.cell.baseline
		cfg := map[string]tftypes.Value{
			"project": str("acme/app"), "environment": str("staging"), "ref": str("release/1.x"),
			"sha": str(shaRelease), "status": str(b.status), "on_destroy": str(b.onDestroy),
		}
		var cmd *tfCommand
		if b.ci {
			// Seeded deployment 4: running, made by a CI job; imported, its status left to CI.
			cfg["ref"], cfg["sha"] = str("main"), str(shaMain)
			cfg["status"] = tftypes.NewValue(tftypes.String, nil)
			cmd = r.runner.importThenApply(&r.inst, "acme/app:4", nil, tfConfig{args: cfg})
		} else {
			cmd = r.runner.applyConfig(&r.inst, tfConfig{args: cfg}, false)
		}
		if cmd.failed() || !r.inst.exists() {
			r.t.Fatalf("baseline %s: %s", b.name, diagText(append(cmd.planDiags, cmd.applyDiags...)))
		}
		return cfg
	}
	s.key = func(r *cellRun, inst *tfInstance) objectKey {
		if !inst.exists() {
			return objectKey{}
		}
		v, err := inst.state.Unmarshal(r.runner.stateType())
		if err != nil {
			r.t.Fatal(err)
		}
		return objectKey{deployment: numbers(r.t, v)["deployment_id"]}
	}
	s.view = func(r *cellRun) gitlabView {
		ctx := context.Background()
		list, err := r.admin.ListDeployments(ctx, "acme/app", gitlabapi.ListDeploymentsOptions{})
		if err != nil {
			r.t.Fatal(err)
		}
		current, err := r.admin.CurrentDeployment(ctx, "acme/app", "staging")
		if err != nil {
			r.t.Fatal(err)
		}
		view := gitlabView{}
		for _, d := range list {
			view[objectKey{deployment: d.ID}] = gitlabObject{status: d.Status, ci: d.CreatedByCI(), current: d.ID == current}
		}
		return view
	}
	s.refusal = deploymentRefusal
	s.importID = func(r *cellRun) string { return fmt.Sprintf("acme/app:%d", r.baseline.deployment) }
	s.identity = func(r *cellRun, h *protocolHarness) *tfprotov6.ResourceIdentityData {
		return h.identity(s.typeName, map[string]int64{"project_id": 1, "deployment_id": r.baseline.deployment})
	}
	return s
}

// deploymentRefusal is what GitLab refuses in the cell's command, by its rules (DESIGN.md §A2,
// §A3), from what it holds before the command.
func deploymentRefusal(r *cellRun, before gitlabView) string {
	cfg := r.config.args
	// The on_destroy that governs a delete is the applied one, never the configuration's new
	// value (DESIGN.md §B8): the baseline's, or, after an import, the default.
	policy := r.cell.baseline.onDestroy
	if r.cell.op == opImportByID || r.cell.op == opImportByIdentity {
		policy = onDestroyKeep
	}
	d, exists := before[r.baseline]
	newStatus := stringValue(cfg["status"])
	deleteRefused := func(cbd bool) string {
		switch {
		case policy == onDestroyKeep:
			return ""
		case d.status == "running" && policy == onDestroyDelete:
			return "deleting a running deployment"
		case d.status == "running" && d.ci:
			return "canceling a CI job's deployment"
		case d.current && (!cbd || newStatus != "success"):
			return "deleting the environment's current deployment"
		}
		return ""
	}
	switch {
	case r.cell.op == opRefresh || r.cell.op == opPlan && !exists:
		return ""
	case !exists:
		if newStatus == "" {
			return "recording a deployment without a status"
		}
		return ""
	case r.cell.op == opDestroy:
		return deleteRefused(false)
	}
	replaced := r.cell.op == opReplace || stringValue(cfg["sha"]) != stringValue(r.cell.subject.baselineSHA(r))
	if replaced {
		if why := deleteRefused(r.cell.cbd); why != "" {
			return why
		}
		if newStatus == "" {
			return "recording a deployment without a status"
		}
		return ""
	}
	if newStatus == "" || newStatus == d.status {
		return ""
	}
	if d.ci {
		return "changing a CI job's deployment"
	}
	if _, ok := gitlabapi.TransitionAllowed(d.status, newStatus); !ok {
		return fmt.Sprintf("moving a deployment from %s to %s", d.status, newStatus)
	}
	return ""
}

// baselineSHA is the sha the baseline recorded.
func (s *matrixSubject) baselineSHA(r *cellRun) tftypes.Value {
	if r.cell.baseline.ci {
		return tftypes.NewValue(tftypes.String, shaMain)
	}
	return tftypes.NewValue(tftypes.String, shaRelease)
}

func stringValue(v tftypes.Value) string {
	var s string
	if v.IsKnown() && !v.IsNull() {
		_ = v.As(&s)
	}
	return s
}

// moveStatus moves a deployment in GitLab, as another tool would.
func (r *cellRun) moveStatus(id int64, status string) {
	if _, err := r.admin.UpdateDeploymentStatus(context.Background(), "acme/app", id, status); err != nil {
		r.t.Fatalf("moving deployment %d to %s: %v", id, status, err)
	}
}

// ciDeploysStaging: a CI job deploys staging after the baseline, with status.
func (r *cellRun) ciDeploysStaging(status string) {
	r.addSeed(fmt.Sprintf(`{"projects": [{"id": 1, "path_with_namespace": "acme/app", "branches": {"main": %[1]q}, "deployments": [
		{"environment": "staging", "ref": "main", "sha": %[1]q, "status": %[2]q, "user": "dev",
		 "ci_job": {"name": "deploy-staging", "stage": "deploy"}}]}]}`, shaMain, status))
}

// renameProject: acme/app moves to platform/web; GitLab keeps a redirect from the old path.
func (r *cellRun) renameProject() {
	if err := r.fake.MoveProject("acme/app", "platform/web"); err != nil {
		r.t.Fatal(err)
	}
	r.renamedTo = "platform/web"
}

// protectStaging: staging gets a protected environment with one approval rule.
func (r *cellRun) protectStaging() {
	r.addSeed(`{"projects": [{"id": 1, "path_with_namespace": "acme/app", "protected_environments": [
		{"name": "staging", "deploy_access_levels": [{"access_level": 30}],
		 "approval_rules": [{"access_level": 40, "required_approvals": 1}]}]}]}`)
}

func (r *cellRun) addSeed(doc string) {
	// (ParseSeed checks a document as a whole seed; AddSeed checks it against the running fake.)
	var seed fakegitlab.Seed
	if err := json.Unmarshal([]byte(doc), &seed); err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.fake.AddSeed(&seed); err != nil {
		r.t.Fatal(err)
	}
}

// deleteInGitLab deletes a deployment as a Maintainer would: canceled first when running, and,
// when it is the current one, after a later success of CI made it no longer so.
func (r *cellRun) deleteInGitLab(id int64) {
	ctx := context.Background()
	d, err := r.admin.GetDeployment(ctx, "acme/app", id)
	if err != nil {
		r.t.Fatal(err)
	}
	if d.Status == "running" {
		r.moveStatus(id, "canceled")
	}
	err = r.admin.DeleteDeployment(ctx, "acme/app", id)
	if errors.Is(err, gitlabapi.ErrCurrentlyDeployed) {
		r.ciDeploysStaging("success")
		err = r.admin.DeleteDeployment(ctx, "acme/app", id)
	}
	if err != nil {
		r.t.Fatalf("deleting deployment %d: %v", id, err)
	}
}

var _ = tfprotov6.DiagnosticSeverityError

// ---- gitlabdeploy_deployment_approval ----

// approvalMatrix: mae (a Maintainer) decides on a running production deployment that dora
// recorded (approval_rules.json: one approval from each of Maintainers, qa and security-team).
func approvalMatrix() *matrixSubject {
	s := &matrixSubject{typeName: "gitlabdeploy_deployment_approval", seed: approvalSeed, token: "mae-token"}
	s.baselines = []matrixBaseline{
		{name: "approved", decision: "approved"},
		{name: "rejected", decision: "rejected"},
		{name: "approved_as_maintainers", decision: "approved", representedAs: "Maintainers"},
	}
	s.events = []matrixEvent{
		{name: "nothing", do: func(*cellRun) {}},
		{name: "decision_changed", do: func(r *cellRun) {
			other := map[string]string{"approved": "rejected", "rejected": "approved"}[r.cell.baseline.decision]
			decideAs(r.t, r.fake, "mae-token", r.baseline.deployment, other, "changed in GitLab", r.cell.baseline.representedAs)
		}},
		{name: "stopped_waiting", do: func(r *cellRun) {
			id := r.baseline.deployment
			decideAs(r.t, r.fake, "quinn-token", id, "approved", "", "")
			decideAs(r.t, r.fake, "sam-token", id, "approved", "", "security-team")
			if r.cell.baseline.decision != "approved" {
				decideAs(r.t, r.fake, tokenRoot, id, "approved", "", "Maintainers")
			}
		}},
		{name: "approval_rules_changed", do: func(r *cellRun) { r.reprotectProduction() }},
		{name: "deployment_deleted", do: func(r *cellRun) { r.deleteInGitLab(r.baseline.deployment) }},
		{name: "project_renamed", do: func(r *cellRun) { r.renameProject() }},
	}
	str := func(v string) tftypes.Value { return tftypes.NewValue(tftypes.String, v) }
	s.changes = []matrixChange{
		{name: "unchanged", apply: func(*cellRun, map[string]tftypes.Value) {}},
		{name: "status", apply: func(r *cellRun, cfg map[string]tftypes.Value) {
			cfg["status"] = str(map[string]string{"approved": "rejected", "rejected": "approved"}[r.cell.baseline.decision])
		}},
		{name: "comment", apply: func(r *cellRun, cfg map[string]tftypes.Value) { cfg["comment"] = str("another comment") }},
		{name: "project_spelling", apply: func(r *cellRun, cfg map[string]tftypes.Value) { cfg["project"] = str("1") }},
		{name: "deployment_id", canReplace: true, apply: func(r *cellRun, cfg map[string]tftypes.Value) {
			cfg["deployment_id"] = tftypes.NewValue(tftypes.Number, r.second)
		}},
		{name: "represented_as", canReplace: true, apply: func(r *cellRun, cfg map[string]tftypes.Value) {
			if r.cell.baseline.representedAs == "" {
				cfg["represented_as"] = str("Maintainers")
			} else {
				cfg["represented_as"] = str("Maint")
			}
		}},
	}
	s.exclusions = []func(matrixCell) string{
		// An import starts from no state; the baselines differ only in what was decided, which
		// the decision_changed event and the status change cover: imports start from "approved".
		func(c matrixCell) string {
			if (c.op == opImportByID || c.op == opImportByIdentity) && c.baseline.name != "approved" {
				return "an import starts from no state"
			}
			return ""
		},
		// A decision's destroy sends nothing (GitLab cannot withdraw one), so the order
		// create_before_destroy gives a replacement cannot matter.
		func(c matrixCell) string {
			if c.cbd {
				return "a decision's destroy sends nothing"
			}
			return ""
		},
		// represented_as reaches GitLab only when a decision is recorded (a create, a replacement,
		// a change of status): the baseline decided with it is crossed with those changes.
		func(c matrixCell) string {
			if c.baseline.representedAs != "" && c.change.name != "unchanged" && c.change.name != "status" && c.change.name != "represented_as" {
				return "represented_as matters only when a decision is recorded"
			}
			return ""
		},
		// -replace records the same decision again; crossed with the changes that decide what the
		// new decision is (none, status).
		func(c matrixCell) string {
			if c.op == opReplace && c.change.name != "unchanged" && c.change.name != "status" {
				return "-replace with this change is the change's own replacement"
			}
			return ""
		},
	}
	s.setup = func(r *cellRun) map[string]tftypes.Value {
		b := r.cell.baseline
		first := recordAsDora(r.t, r.fake, "production")
		r.second = recordAsDora(r.t, r.fake, "production").ID
		cfg := map[string]tftypes.Value{
			"project": str("acme/app"), "deployment_id": tftypes.NewValue(tftypes.Number, first.ID),
			"status": str(b.decision), "comment": str("first comment"),
		}
		if b.representedAs != "" {
			cfg["represented_as"] = str(b.representedAs)
		}
		cmd := r.runner.applyConfig(&r.inst, tfConfig{args: cfg}, false)
		if cmd.failed() || !r.inst.exists() {
			r.t.Fatalf("baseline %s: %s", b.name, diagText(append(cmd.planDiags, cmd.applyDiags...)))
		}
		return cfg
	}
	s.key = func(r *cellRun, inst *tfInstance) objectKey {
		if !inst.exists() {
			return objectKey{}
		}
		v, err := inst.state.Unmarshal(r.runner.stateType())
		if err != nil {
			r.t.Fatal(err)
		}
		n := numbers(r.t, v)
		return objectKey{deployment: n["deployment_id"], user: n["user_id"]}
	}
	s.view = func(r *cellRun) gitlabView {
		view := gitlabView{}
		for _, id := range []int64{r.baseline.deployment, r.second} {
			if id == 0 {
				continue
			}
			d, err := r.admin.GetDeployment(context.Background(), "acme/app", id)
			if errors.Is(err, gitlabapi.ErrNotFound) {
				continue
			}
			if err != nil {
				r.t.Fatal(err)
			}
			view[objectKey{deployment: id}] = gitlabObject{status: d.Status, pending: d.PendingApprovalCount}
			for _, a := range d.Approvals {
				view[objectKey{deployment: id, user: a.User.ID}] = gitlabObject{status: a.Status}
			}
		}
		return view
	}
	s.refusal = approvalRefusal
	s.importID = func(r *cellRun) string { return fmt.Sprintf("acme/app:%d:%d", r.baseline.deployment, userMae) }
	s.identity = func(r *cellRun, h *protocolHarness) *tfprotov6.ResourceIdentityData {
		return h.identity(s.typeName, map[string]int64{"project_id": 1, "deployment_id": r.baseline.deployment, "user_id": userMae})
	}
	return s
}

// approvalRefusal is what GitLab refuses in the cell's command, by its rules (DESIGN.md §A4),
// from what it holds before the command. Nothing is refused in a destroy: a decision cannot be
// withdrawn, so destroying one sends nothing.
func approvalRefusal(r *cellRun, before gitlabView) string {
	cfg := r.config.args
	if r.cell.op == opRefresh || r.cell.op == opPlan || r.cell.op == opDestroy {
		return ""
	}
	target := int64(numberValue(cfg["deployment_id"]))
	d, exists := before[objectKey{deployment: target}]
	decision, decided := before[objectKey{deployment: r.baseline.deployment, user: userMae}]
	decides := func() string {
		switch {
		case !exists:
			return "a decision on a deployment GitLab no longer has"
		case d.pending == 0:
			return "a decision on a deployment that no longer waits for approvals"
		}
		return ""
	}
	newStatus := stringValue(cfg["status"])
	switch {
	case target != r.baseline.deployment || r.cell.op == opReplace:
		return decides() // a new decision
	case !decided:
		return decides() // the decision is gone with its deployment: a create
	case newStatus != decision.status:
		return decides()
	case r.cell.change.name == "comment":
		return "a new comment on an unchanged decision (GitLab keeps the first)"
	}
	return ""
}

func numberValue(v tftypes.Value) float64 {
	var f big.Float
	if !v.IsKnown() || v.IsNull() || v.As(&f) != nil {
		return 0
	}
	n, _ := f.Float64()
	return n
}

// reprotectProduction replaces production's approval rules by one: two approvals from
// Maintainers.
func (r *cellRun) reprotectProduction() {
	ctx := context.Background()
	for _, req := range []struct{ method, path, body string }{
		{http.MethodDelete, "/projects/1/protected_environments/production", ""},
		{http.MethodPost, "/projects/1/protected_environments", `{"name": "production",
			"deploy_access_levels": [{"access_level": 30}], "approval_rules": [{"access_level": 40, "required_approvals": 2}]}`},
	} {
		hr, err := http.NewRequestWithContext(ctx, req.method, r.fake.URL()+"/api/v4"+req.path, strings.NewReader(req.body))
		if err != nil {
			r.t.Fatal(err)
		}
		hr.Header.Set("PRIVATE-TOKEN", tokenRoot)
		hr.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			r.t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode >= 300 {
			r.t.Fatalf("%s %s: %s", req.method, req.path, resp.Status)
		}
	}
}
