package provider

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// badInput is one argument of one resource or data source set to a value the provider must
// refuse at plan time.
type badInput struct {
	block string            // `resource "gitlabdeploy_deployment"` or `data "..."`
	args  map[string]string // HCL values over the block's valid ones; "timeouts.create" goes into a timeouts block
	bad   string            // the argument at fault: the error must name it and point at its line
	want  string            // regexp the error's summary and detail must match
	// atBlock: the error points at the block, as for an argument missing beside bad.
	atBlock bool
}

const (
	deploymentBlock   = `resource "gitlabdeploy_deployment"`
	approvalBlock     = `resource "gitlabdeploy_deployment_approval"`
	deploymentData    = `data "gitlabdeploy_deployment"`
	mergeRequestsData = `data "gitlabdeploy_deployment_merge_requests"`
	deploymentsData   = `data "gitlabdeploy_deployments"`
)

// validArgs are arguments each block accepts.
var validArgs = map[string]map[string]string{
	deploymentBlock: {
		"project": `"acme/app"`, "environment": `"staging"`, "ref": `"main"`, "sha": strconv.Quote(shaMain), "status": `"success"`,
	},
	approvalBlock:     {"project": `"acme/app"`, "deployment_id": "1", "status": `"approved"`},
	deploymentData:    {"project": `"acme/app"`, "deployment_id": "1"},
	mergeRequestsData: {"project": `"acme/app"`, "deployment_id": "1"},
	deploymentsData:   {"project": `"acme/app"`},
}

// long is a string of n characters.
func long(n int) string { return strconv.Quote(strings.Repeat("a", n)) }

// badInputs lists bad values for every argument of every resource and data source. Projects
// must be a positive id or a GitLab path; timestamps RFC 3339; ids positive; names within
// GitLab's 255 characters.
func badInputs() []badInput {
	var cases []badInput
	add := func(block, bad, value, want string, more ...string) {
		args := map[string]string{bad: value}
		for i := 0; i+1 < len(more); i += 2 {
			args[more[i]] = more[i+1]
		}
		cases = append(cases, badInput{block: block, args: args, bad: bad, want: want})
	}
	for _, block := range []string{deploymentBlock, approvalBlock, deploymentData, mergeRequestsData, deploymentsData} {
		for _, p := range []struct{ value, want string }{
			{`""`, `project is empty`},
			{`"app"`, `neither a numeric id nor a full path`},
			{`"acme/my app"`, `contains spaces`},
			{`" acme/app"`, `contains spaces`},
			{`"acme//app"`, `empty segment`},
			{`"acme/app/"`, `empty segment`},
			{`"acme/../app"`, `segment "\.\."`},
			{`"acme/./app"`, `segment "\."`},
			{`"acme/app%2Fweb"`, `character "%"`},
			{`"acme/äpp"`, `character "ä"`},
			{`"acme/app:1"`, `colon`},
			{`"acme/` + strings.Repeat("a", 256) + `"`, `longer than 255 characters`},
			{`"0"`, `not a positive project id`},
			{`"99999999999999999999"`, `not a positive project id`},
		} {
			add(block, "project", p.value, `Invalid Project: .*`+p.want+`.*Set "project" to the numeric id of the project or its full path`)
		}
	}
	add(deploymentBlock, "project", `"acme/`+strings.Repeat("a", 10_000)+`"`,
		`Invalid Project: .*\(10005 characters\)" has a segment longer than 255 characters`)
	for _, block := range []string{approvalBlock, deploymentData, mergeRequestsData} {
		add(block, "deployment_id", "0", `deployment_id value must be at least 1, got: 0`)
		add(block, "deployment_id", "-7", `deployment_id value must be at least 1, got: -7`)
		add(block, "deployment_id", `"seven"`, `Incorrect attribute value type.*a number is required`)
	}

	d := deploymentBlock
	environmentChars := `environment must contain only letters, digits, '-', '_', '/', '\$', '\{', '\}', '\.' and spaces`
	add(d, "environment", `""`, `environment string length must be between 1 and 255, got: 0`)
	add(d, "environment", long(256), `environment string length must be between 1 and 255, got: 256`)
	add(d, "environment", long(10_000), `environment string length must be between 1 and 255, got: 10000`)
	add(d, "environment", `"/production"`, environmentChars+`.*must not start or end with '/'`)
	add(d, "environment", `"production!"`, environmentChars)
	add(d, "environment", `"prödüction"`, environmentChars)
	add(d, "ref", `""`, `Invalid Ref: "ref" is empty.*Set "ref" to the branch or tag deployed`)
	add(d, "ref", `"main branch"`, `Invalid Ref: .*space or control character`)
	add(d, "ref", `"main\n"`, `Invalid Ref: .*space or control character`)
	add(d, "ref", `"\tmain"`, `Invalid Ref: .*space or control character`)
	add(d, "ref", `"--output=x"`, `Invalid Ref: .*starts with '-'`)
	add(d, "ref", `"release `+strings.Repeat("a", 10_000)+`"`, `Invalid Ref: .*\(10008 characters\).*space`)
	for _, sha := range []string{`""`, `"xyz1234"`, `"a9195"`, strconv.Quote(strings.Repeat("a", 65)), strconv.Quote(strings.Repeat("a", 10_000))} {
		add(d, "sha", sha, `sha must be a commit SHA of 7 to 64 hexadecimal characters`)
	}
	for _, status := range []string{`""`, `"done"`, `"created"`, `"blocked"`, `"skipped"`, `"SUCCESS"`} {
		add(d, "status", status, `status value must be one of:.*"running".*"success".*"failed".*"canceled"`)
	}
	add(d, "on_destroy", `"destroy"`, `on_destroy value must be one of:.*"keep".*"delete".*"cancel_and_delete"`)
	add(d, "on_destroy", `""`, `on_destroy value must be one of`)
	add(d, "tag", `"maybe"`, `Incorrect attribute value type.*a bool is required`)
	add(d, "timeouts.create", `"forever"`, `Time Duration: "forever" must be a string containing a sequence of decimal numbers`)
	add(d, "timeouts.update", `"-"`, `Time Duration: "-" must be a string containing a sequence of decimal numbers`)

	a := approvalBlock
	for _, status := range []string{`""`, `"approve"`, `"Approved"`} {
		add(a, "status", status, `status value must be one of:.*"approved".*"rejected"`)
	}
	add(a, "comment", `""`, `comment UTF-8 character count must be between 1 and 255, got: 0`)
	add(a, "comment", strconv.Quote(strings.Repeat("é", 256)), `comment UTF-8 character count must be between 1 and 255, got: 256`)
	add(a, "comment", long(10_000), `comment UTF-8 character count must be between 1 and 255, got: 10000`)
	add(a, "represented_as", `""`, `represented_as UTF-8 character count must be between 1 and 255, got: 0`)
	add(a, "represented_as", long(10_000), `represented_as UTF-8 character count must be between 1 and 255, got: 10000`)

	l := deploymentsData
	add(l, "environment", `""`, `environment string length must be between 1 and 255, got: 0`)
	add(l, "environment", long(10_000), `environment string length must be between 1 and 255, got: 10000`)
	add(l, "environment", `"/production"`, environmentChars)
	add(l, "status", `"done"`, `status value must be one of:.*"created".*"blocked"`)
	add(l, "order_by", `"name"`, `order_by value must be one of:.*"id".*"finished_at"`)
	add(l, "sort", `"up"`, `sort value must be one of:.*"asc".*"desc"`)
	add(l, "max_results", "0", `max_results value must be at least 1, got: 0`)
	add(l, "max_results", "-1", `max_results value must be at least 1, got: -1`)
	for _, name := range []string{"updated_after", "updated_before"} {
		for _, value := range []string{`""`, `"yesterday"`, `"2026-01-31"`, `"2026-13-01T00:00:00Z"`, `"2026-01-31 10:00:00Z"`} {
			add(l, name, value, `Invalid Date-Time.*`+name, "order_by", `"updated_at"`)
		}
	}
	add(l, "updated_after", long(10_000), `Invalid Date-Time.*updated_after`, "order_by", `"updated_at"`)
	for _, name := range []string{"finished_after", "finished_before"} {
		add(l, name, `"2026-01-31T25:00:00Z"`, `Invalid Date-Time.*`+name, "order_by", `"finished_at"`, "status", `"success"`)
	}
	// Pairings name the argument that is missing: the error points at the block.
	add(l, "updated_after", `"2026-01-31T00:00:00Z"`, `Deployment Filter Needs Matching Order: .*updated_after.*requires .*order_by = "updated_at"`)
	cases[len(cases)-1].atBlock = true
	add(l, "finished_after", `"2026-01-31T00:00:00Z"`, `Deployment Filter Needs Success Status: .*finished_after.*requires .*status = "success"`,
		"order_by", `"finished_at"`)
	cases[len(cases)-1].atBlock = true
	return cases
}

// renderBadInputs writes one block per case, each to be a file of its own (badInputFile), and
// returns the blocks and the line of each case's bad argument in its file. Terraform parses a
// diagnostic's whole file again to render it (views/json parseRange), so 150 errors in one file
// of 900 lines cost it seconds of CPU; in a file each they cost a tenth of that.
func renderBadInputs(cases []badInput) ([]string, []int) {
	blocks := make([]string, len(cases))
	lines := make([]int, len(cases))
	for i, c := range cases {
		var b strings.Builder
		line := 1
		write := func(format string, args ...any) {
			s := fmt.Sprintf(format, args...)
			b.WriteString(s)
			line += strings.Count(s, "\n")
		}
		args := map[string]string{}
		for k, v := range validArgs[c.block] {
			args[k] = v
		}
		for k, v := range c.args {
			args[k] = v
		}
		write("\n")
		if c.atBlock {
			lines[i] = line
		}
		write("%s \"case%d\" {\n", c.block, i)
		names := slices.Sorted(func(yield func(string) bool) {
			for k := range args {
				if !yield(k) {
					return
				}
			}
		})
		var timeouts []string
		for _, name := range names {
			if block, attr, ok := strings.Cut(name, "."); ok && block == "timeouts" {
				timeouts = append(timeouts, attr)
				continue
			}
			if name == c.bad && !c.atBlock {
				lines[i] = line
			}
			write("  %s = %s\n", name, args[name])
		}
		if len(timeouts) > 0 {
			write("  timeouts {\n")
			for _, attr := range timeouts {
				if "timeouts."+attr == c.bad {
					lines[i] = line
				}
				write("    %s = %s\n", attr, args["timeouts."+attr])
			}
			write("  }\n")
		}
		write("}\n")
		blocks[i] = b.String()
	}
	return blocks, lines
}

// badInputFile is the file that holds case i.
func badInputFile(i int) string { return fmt.Sprintf("case%d.tf", i) }

// cliDiagnostic is a diagnostic of terraform validate -json or plan -json.
type cliDiagnostic struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail"`
	Address  string `json:"address"`
	Range    *struct {
		Filename string `json:"filename"`
		Start    struct {
			Line int `json:"line"`
		} `json:"start"`
	} `json:"range"`
	Snippet *struct {
		Code string `json:"code"`
	} `json:"snippet"`
}

func (d cliDiagnostic) text() string { return d.Summary + ": " + flat(d.Detail) }

// names reports whether the diagnostic names attr, in its text or in the line of configuration
// Terraform shows with it.
func (d cliDiagnostic) names(attr string) bool {
	return strings.Contains(d.text(), attr) || d.Snippet != nil && strings.HasPrefix(strings.TrimSpace(d.Snippet.Code), attr+" =")
}

// Every argument of every resource and data source is checked at plan time: 200-odd bad values
// (wrong statuses, bad timestamps, zero, negative and non-numeric ids, empty strings, strings of
// 256 and 10,000 characters, project paths with spaces, "..", "%", unicode or a colon, refs Git
// refuses), all in one configuration, each refused with an error that points at its argument's
// line and names the argument and the fix, and GitLab receives no request.
func TestAccValidation_everyBadArgumentRefusedAtPlanTime(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
	cases := badInputs()
	blocks, lines := renderBadInputs(cases)
	cli.writeConfig(providerBlock(fake.URL(), tokenMaintainer))
	for i, block := range blocks {
		cli.writeFile(badInputFile(i), block)
	}

	start := time.Now()
	res := cli.mustRun(nil, []string{"validate", "-json", "-no-color"}, 1)
	t.Logf("validate took %s", time.Since(start))
	var out struct {
		Diagnostics []cliDiagnostic `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
		t.Fatalf("reading terraform validate -json: %v\n%s", err, res.output())
	}
	type place struct {
		file string
		line int
	}
	byPlace := map[place][]cliDiagnostic{}
	for _, d := range out.Diagnostics {
		if d.Severity != "error" {
			continue
		}
		if d.Range == nil {
			t.Errorf("error without a place in the configuration: %s", d.text())
			continue
		}
		at := place{d.Range.Filename, d.Range.Start.Line}
		byPlace[at] = append(byPlace[at], d)
	}
	for i, c := range cases {
		at := place{badInputFile(i), lines[i]}
		diags := byPlace[at]
		delete(byPlace, at)
		want := regexp.MustCompile(`(?s)` + c.want)
		found := false
		for _, d := range diags {
			found = found || want.MatchString(d.text()) && d.names(c.bad[strings.LastIndex(c.bad, ".")+1:])
		}
		if !found {
			t.Errorf("%s %s = %.60s: no error at %s:%d matching %q naming %s; got %v",
				c.block, c.bad, c.args[c.bad], at.file, at.line, c.want, c.bad, diags)
		}
	}
	for at, diags := range byPlace {
		for _, d := range diags {
			t.Errorf("error at %s:%d, which holds no bad value: %s", at.file, at.line, d.text())
		}
	}

	if got := fake.Stats().Total; got != 0 {
		t.Errorf("GitLab received %d requests (%v); bad input must be refused before any", got, fake.Stats().ByRoute)
	}
}

// Import ids are refused at plan time too, each error naming its resource, and GitLab receives
// no request: 19 bad import ids of both resources. A new deployment without a status, which only
// the plan can see, is warned of there (a plan error would block terraform destroy, DESIGN.md
// §B5).
func TestAccValidation_badImportIDsRefusedAndMissingStatusWarnedAtPlan(t *testing.T) {
	t.Parallel()
	fake := startFake(t, "basic.json")
	cli := newTerraformCLI(t, time.Millisecond, 5*time.Millisecond)
	cli.skipUnlessSupports(cliFeatureImportBlock)
	type badImport struct {
		block, id, want string
	}
	deploymentFormat := regexp.QuoteMeta("the expected format is " + importIDFormat)
	approvalFormat := regexp.QuoteMeta("the expected format is " + approvalImportIDFormat)
	imports := []badImport{
		{deploymentBlock, "acme/app", `has no colon; ` + deploymentFormat},
		{deploymentBlock, "acme/app:", `deployment id "" is not a positive whole number`},
		{deploymentBlock, "acme/app:0", `deployment id "0" is not a positive whole number`},
		{deploymentBlock, "acme/app:-4", `deployment id "-4" is not a positive whole number`},
		{deploymentBlock, "acme/app:4x", `deployment id "4x" is not a positive whole number`},
		{deploymentBlock, "acme/app:99999999999999999999", `deployment id "99999999999999999999" is not a positive whole number`},
		{deploymentBlock, "app:4", `"app" is neither a numeric id nor a full path such as acme/app; ` + deploymentFormat},
		{deploymentBlock, "acme/my app:4", `contains spaces; ` + deploymentFormat},
		{deploymentBlock, "acme/../app:4", `segment "\.\."`},
		{deploymentBlock, "acme%2Fapp:4", `neither a numeric id nor a full path`},
		{deploymentBlock, "acme/äpp:4", `character "ä"`},
		{deploymentBlock, "0:4", `not a positive project id`},
		{deploymentBlock, "acme/app:4:5", `has 3 parts separated by colons, at most 2`},
		{deploymentBlock, "acme/app:" + strings.Repeat("9", 10_000), `deployment id "9{60}… \(10000 characters\)" is not a positive whole number`},
		{approvalBlock, "acme/app", `has no colon; ` + approvalFormat},
		{approvalBlock, "acme/app:4:3:2:1", `has 5 parts`},
		{approvalBlock, "acme/app:4:x", `user id "x" is not a positive whole number`},
		{approvalBlock, "acme/app:4:3:0", `rule id "0" is not a positive whole number`},
		{approvalBlock, "acme/a%pp:4", `character "%"`},
	}
	var b strings.Builder
	b.WriteString(providerBlock(fake.URL(), tokenMaintainer))
	b.WriteString(`
resource "gitlabdeploy_deployment" "no_status" {
  project     = "acme/app"
  environment = "staging"
  ref         = "main"
  sha         = "` + shaMain + `"
}
`)
	for i, imp := range imports {
		fmt.Fprintf(&b, "\nimport {\n  to = %s.import%d\n  id = %q\n}\n\n%s \"import%d\" {\n", strings.Fields(imp.block)[1][1:len(strings.Fields(imp.block)[1])-1], i, imp.id, imp.block, i)
		for _, name := range slices.Sorted(maps.Keys(validArgs[imp.block])) {
			fmt.Fprintf(&b, "  %s = %s\n", name, validArgs[imp.block][name])
		}
		b.WriteString("}\n")
	}
	cli.writeConfig(b.String())
	res := cli.mustRun(nil, []string{"plan", "-json", "-no-color", "-input=false"}, 1)
	var diags, warnings []cliDiagnostic
	for line := range strings.Lines(res.stdout) {
		var msg struct {
			Type       string        `json:"type"`
			Diagnostic cliDiagnostic `json:"diagnostic"`
		}
		if json.Unmarshal([]byte(line), &msg) != nil || msg.Type != "diagnostic" {
			continue
		}
		switch msg.Diagnostic.Severity {
		case "error":
			diags = append(diags, msg.Diagnostic)
		case "warning":
			warnings = append(warnings, msg.Diagnostic)
		}
	}
	if len(diags) != len(imports) {
		t.Errorf("%d errors for %d bad import ids", len(diags), len(imports))
	}
	// Terraform gives import errors no address: each names its id.
	for _, imp := range imports {
		summary := "Invalid Deployment Import ID: "
		if imp.block == approvalBlock {
			summary = "Invalid Deployment Decision Import ID: "
		}
		want := regexp.MustCompile(regexp.QuoteMeta(summary+"Import id "+strconv.Quote(shorten(imp.id))) + ".*" + imp.want)
		if !slices.ContainsFunc(diags, func(d cliDiagnostic) bool { return want.MatchString(d.text()) }) {
			t.Errorf("import id %.60q of %s: no error matching %q", imp.id, imp.block, want)
		}
	}
	missing := regexp.MustCompile(`Missing Deployment Status: GitLab needs a status to record a deployment. Set "status" to "running", "success", "failed" or "canceled"`)
	if !slices.ContainsFunc(warnings, func(d cliDiagnostic) bool {
		return d.Address == "gitlabdeploy_deployment.no_status" && missing.MatchString(d.text())
	}) {
		t.Errorf("no warning for the deployment without a status matching %q; got %v", missing, warnings)
	}
	if got := fake.Stats().Total; got != 0 {
		t.Errorf("GitLab received %d requests (%v); bad input must be refused before any", got, fake.Stats().ByRoute)
	}
}

// FuzzParseApprovalImportID checks that parsing a decision's import id never panics and that
// what it accepts renders back to the same id.
func FuzzParseApprovalImportID(f *testing.F) {
	for _, seed := range []string{"acme/app:42", "7:42:3", "acme/app:42:3:12", "acme/app:0", "a:b:c:d:e", "", ":::", "acme/app:1:-1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		project, deployment, user, rule, err := parseApprovalImportID(id)
		if err != nil {
			return
		}
		rendered := deploymentResourceID(project, deployment)
		if user != 0 || rule != 0 {
			rendered += ":" + strconv.FormatInt(user, 10)
		}
		if rule != 0 {
			rendered += ":" + strconv.FormatInt(rule, 10)
		}
		if rendered != id {
			t.Errorf("parseApprovalImportID(%q) = %q, %d, %d, %d, which renders back as %q", id, project, deployment, user, rule, rendered)
		}
		if checkProject(project) != nil || deployment <= 0 || user < 0 || rule < 0 || rule != 0 && user == 0 {
			t.Errorf("parseApprovalImportID(%q) accepted project %q, deployment %d, user %d, rule %d", id, project, deployment, user, rule)
		}
	})
}
