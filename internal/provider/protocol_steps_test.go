package provider

import (
	"regexp"
	"sort"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// protoStep is one step of an in-process test, as resource.TestStep is of a CLI test, with the
// same meaning for each field: runProtoSteps runs them with the life-cycle harness
// (protocol_harness_test.go), without starting Terraform.
type protoStep struct {
	preConfig func()
	// args is the resource's configuration.
	args resourceArgs
	// provider, when set, configures the provider from this step on: the fake and token.
	provider *providerTarget
	// destroy runs terraform destroy instead of apply; removed applies a configuration without
	// the resource.
	destroy bool
	removed bool
	// createBeforeDestroy is the step's lifecycle { create_before_destroy = true }.
	createBeforeDestroy bool
	// afterPlan runs between the plan of an apply and the apply itself, as a plan check does.
	afterPlan func()
	// planOnly runs terraform plan, which must be empty unless expectNonEmptyPlan.
	planOnly           bool
	expectNonEmptyPlan bool
	// importID imports the instance by id with terraform import, into the state when
	// importPersist (ImportStatePersist), else into a throw-away state; with importBlock, it
	// plans an import block against args instead (ImportBlockWithID: the plan must be the import
	// alone); with importApply, it applies the import block and args (an import block in Config).
	importID      string
	importPersist bool
	// importVerify compares, as ImportStateVerify does, every attribute of what terraform import
	// imported (into a throw-away state) with the state, but timeouts (which an import cannot
	// know).
	importVerify bool
	importBlock  bool
	importApply  bool
	// action is what the plan must do: "create", "update", "replace", "no-op".
	action string
	// expectError must match the errors of the step, which must fail.
	expectError *regexp.Regexp
	// state holds checks of the state's attributes after the step.
	state map[string]knownvalue.Check
	// check runs after the step's other checks.
	check func(l *lifecycle)
}

// providerTarget is what the provider block names: a GitLab and a token.
type providerTarget struct {
	fake  *fakegitlab.Server
	token string
}

// runProtoSteps runs steps in order on one instance, then destroys it as terraform-plugin-testing
// does at the end of a test (the destroy must succeed) and calls checkDestroy when set.
func runProtoSteps(t *testing.T, l *lifecycle, steps []protoStep, checkDestroy func() error) {
	t.Helper()
	var last resourceArgs
	for i, step := range steps {
		if step.preConfig != nil {
			step.preConfig()
		}
		if step.provider != nil {
			l.h.reconfigure(step.provider.fake, step.provider.token)
		}
		l.createBeforeDestroy = step.createBeforeDestroy
		l.afterPlan = nil
		if step.afterPlan != nil {
			l.afterPlan = func(*lifecycleResult) { step.afterPlan() }
		}
		var res *lifecycleResult
		switch {
		case step.removed:
			res = l.applyRemoved()
		case step.importID != "" && step.importBlock:
			res = l.importByID(step.importID, step.args)
		case step.importID != "" && step.importApply:
			res = l.importApplyByID(step.importID, step.args)
		case step.importID != "":
			kept := l.object
			l.object = nil
			res = l.importCommand(step.importID, step.args)
			if step.importVerify && res.failed == "" {
				verifyImport(t, i+1, l, l.object, kept)
			}
			if !step.importPersist {
				l.object = kept
			}
		case step.destroy:
			res = l.destroy(step.args)
		case step.planOnly:
			res = l.plan(step.args)
		default:
			res = l.apply(step.args)
		}
		if step.expectError != nil {
			if res.failed == "" {
				t.Fatalf("step %d: succeeded, want an error matching %s", i+1, step.expectError)
			}
			if !step.expectError.MatchString(res.errorText()) {
				t.Fatalf("step %d: errors do not match %s:\n%s", i+1, step.expectError, res.errorText())
			}
			continue
		}
		if res.failed != "" {
			t.Fatalf("step %d: %s failed:\n%s", i+1, res.failed, res.errorText())
		}
		if step.action != "" && res.action != step.action {
			t.Errorf("step %d: planned %q, want %q", i+1, res.action, step.action)
		}
		// State checks run after the apply, before the plan that follows it.
		checkState(t, i+1, l.state(), step.state)
		if step.check != nil {
			step.check(l)
		}
		switch {
		case step.importID != "" && step.importBlock && res.action != "no-op":
			t.Errorf("step %d: importing %s plans %q, want the import alone", i+1, step.importID, res.action)
		case step.planOnly && !step.expectNonEmptyPlan && res.action != "no-op":
			t.Errorf("step %d: the plan is not empty: %q", i+1, res.action)
		case !step.planOnly && !step.destroy && !step.removed && (step.importID == "" || step.importApply):
			// After an apply, a plan (with refresh) is empty.
			if after := l.plan(step.args); after.failed != "" || (after.action != "no-op" && !step.expectNonEmptyPlan) {
				t.Errorf("step %d: the plan after the apply is %q, want empty:\n%s", i+1, after.action, after.errorText())
			}
		}
		if step.importID == "" || step.importPersist || step.importApply {
			last = step.args
		}
	}
	if l.object != nil {
		if res := l.destroy(last); res.failed != "" {
			t.Fatalf("the destroy at the end failed at %s:\n%s", res.failed, res.errorText())
		}
	}
	if checkDestroy != nil {
		if err := checkDestroy(); err != nil {
			t.Error(err)
		}
	}
}

// checkState runs knownvalue checks on attributes of state, as statecheck.ExpectKnownValue does
// on Terraform's state.
func checkState(t *testing.T, step int, state tftypes.Value, checks map[string]knownvalue.Check) {
	t.Helper()
	if len(checks) == 0 {
		return
	}
	attrs := attrsOfValue(state)
	names := make([]string, 0, len(checks))
	for name := range checks {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v, ok := attrs[name]
		if !ok {
			t.Errorf("step %d: the state has no %s", step, name)
			continue
		}
		if err := checks[name].CheckValue(jsonValue(t, v)); err != nil {
			t.Errorf("step %d: %s: %v", step, name, err)
		}
	}
}

// args are a deployment's arguments for the in-process harness (extra is not carried over).
func (a deploymentArgs) args() resourceArgs {
	out := resourceArgs{}
	for name, v := range map[string]string{
		"project": a.project, "environment": a.environment, "ref": a.ref, "sha": a.sha,
		"status": a.status, "on_destroy": a.onDestroy,
	} {
		if v != "" {
			out[name] = v
		}
	}
	if a.tag != nil {
		out["tag"] = *a.tag
	}
	return out
}

// verifyImport fails unless imported holds every attribute of state with the same value, but
// timeouts.
func verifyImport(t *testing.T, step int, l *lifecycle, imported, state *stateObject) {
	t.Helper()
	if state == nil {
		t.Fatalf("step %d: nothing in the state to verify the import against", step)
	}
	got, want := attrsOfValue(l.valueOf(imported)), attrsOfValue(l.valueOf(state))
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if name == "timeouts" {
			continue
		}
		if !got[name].Equal(want[name]) {
			t.Errorf("step %d: imported %s = %v, the state holds %v", step, name, got[name], want[name])
		}
	}
}
