package provider

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/gitlabapi"
)

// Environment variables the provider reads when its block leaves a setting out.
const (
	envBaseURL    = "GITLAB_BASE_URL"
	envToken      = "GITLAB_TOKEN"
	envJobToken   = "CI_JOB_TOKEN"
	envCIAPIURL   = "CI_API_V4_URL"
	envCACertFile = "GITLAB_CACERT_FILE"
	envInsecure   = "GITLAB_INSECURE"
	envMaxRetries = "GITLAB_MAX_RETRIES"
)

// The provider logs every GitLab request, retry and reconciliation at DEBUG in a subsystem of its
// own, whose level apiLogLevelVariable can set apart from the provider's (DESIGN.md §B11).
const (
	apiLogSubsystem     = "gitlab_api"
	apiLogLevelVariable = "TF_LOG_PROVIDER_GITLABDEPLOY_API"
)

const (
	defaultBaseURL    = "https://gitlab.com"
	defaultMaxRetries = 10
)

var (
	_ provider.Provider                  = (*gitlabDeployProvider)(nil)
	_ provider.ProviderWithListResources = (*gitlabDeployProvider)(nil)
	_ provider.ProviderWithActions       = (*gitlabDeployProvider)(nil)
	_ provider.ProviderWithFunctions     = (*gitlabDeployProvider)(nil)
)

type gitlabDeployProvider struct {
	version string
	opts    providerOptions
}

// providerOptions are knobs for tests; the zero value is what users get.
type providerOptions struct {
	// getenv replaces os.Getenv, so that tests can run in parallel with their own environment.
	getenv func(string) string
	// retryWaitMin and retryWaitMax bound the client's backoff; zero keeps its defaults.
	retryWaitMin time.Duration
	retryWaitMax time.Duration
	// approvalPollInterval is how often a resource waiting for approvals reads the deployment;
	// zero means defaultApprovalPollInterval.
	approvalPollInterval time.Duration
}

const defaultApprovalPollInterval = 10 * time.Second

// providerData is what Configure hands to every resource and data source: one client, built
// once and shared.
type providerData struct {
	client               *gitlabapi.Client
	approvalPollInterval time.Duration
	projects             *projectIDs
	currentDeployments   *currentDeployments
	tracked              *trackedDeployments
}

type providerModel struct {
	BaseURL    types.String `tfsdk:"base_url"`
	Token      types.String `tfsdk:"token"`
	JobToken   types.String `tfsdk:"job_token"`
	CACertFile types.String `tfsdk:"cacert_file"`
	Insecure   types.Bool   `tfsdk:"insecure"`
	MaxRetries types.Int64  `tfsdk:"max_retries"`

	UnreachableTimeout types.String `tfsdk:"unreachable_timeout"`
}

// New returns the provider factory for the given release version.
func New(version string) func() provider.Provider {
	return newWithOptions(version, providerOptions{})
}

func newWithOptions(version string, opts providerOptions) func() provider.Provider {
	if opts.getenv == nil {
		opts.getenv = os.Getenv
	}
	if opts.approvalPollInterval <= 0 {
		opts.approvalPollInterval = defaultApprovalPollInterval
	}
	return func() provider.Provider { return &gitlabDeployProvider{version: version, opts: opts} }
}

func (p *gitlabDeployProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "gitlabdeploy"
	resp.Version = p.version
}

func (p *gitlabDeployProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages GitLab deployments and deployment approvals through GitLab's REST API. " +
			"Every setting can also come from an environment variable; a setting in this block wins. " +
			"Inside a GitLab CI job with neither `token` nor `job_token` set (nor `GITLAB_TOKEN`), " +
			"the provider uses the job's `CI_JOB_TOKEN` against `CI_API_V4_URL`. " +
			"The provider sends no request until a resource or data source needs one.",
		Attributes: map[string]schema.Attribute{
			"base_url": schema.StringAttribute{
				MarkdownDescription: "URL of the GitLab instance, with or without a trailing `/api/v4/`, " +
					"for example `https://gitlab.example.com`. Environment variable `" + envBaseURL + "`; " +
					"inside a CI job that authenticates with its job token, `" + envCIAPIURL + "`; " +
					"default `" + defaultBaseURL + "`.",
				Optional:   true,
				Validators: []validator.String{baseURLValidator{}},
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "A personal, project or group access token with the `api` scope; environment " +
					"variable `" + envToken + "`. Conflicts with `job_token`.",
				Optional:  true,
				Sensitive: true,
			},
			"job_token": schema.StringAttribute{
				MarkdownDescription: "A CI/CD job token (GitLab 16.2 or later), for the job's own project and the projects " +
					"whose job token allowlist names it. Environment variable `" + envJobToken + "`, which GitLab sets " +
					"in every CI job, when no `token` is configured; conflicts with `token`.",
				Optional:  true,
				Sensitive: true,
			},
			"cacert_file": schema.StringAttribute{
				MarkdownDescription: "Path to a PEM file of CA certificates to trust in addition to the system's, " +
					"for a GitLab with a private CA. Environment variable `" + envCACertFile + "`.",
				Optional: true,
			},
			"insecure": schema.BoolAttribute{
				MarkdownDescription: "Skip verification of GitLab's TLS certificate, for testing only. " +
					"Environment variable `" + envInsecure + "`; default `false`.",
				Optional: true,
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: "How many times to retry a request that failed in a way that is safe to retry " +
					"(throttling, server errors on reads, connection failures). Environment variable `" +
					envMaxRetries + "`; default `" + strconv.Itoa(defaultMaxRetries) + "`.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.AtLeast(0)},
			},
			"unreachable_timeout": schema.StringAttribute{
				MarkdownDescription: "How long a request that cannot reach GitLab at all (connection refused or timed " +
					"out) is retried, such as `2m`; default `30s`. Raise it to wait for a GitLab that is restarting.",
				Optional:   true,
				Validators: []validator.String{durationValidator{}},
			},
		},
	}
}

func (p *gitlabDeployProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg, diags := p.clientConfig(config)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Only one credential is set, and masking "" would put *** between every two characters.
	var secrets []string
	for _, s := range []string{cfg.Token, cfg.JobToken} {
		if s != "" {
			secrets = append(secrets, s)
		}
	}
	apiLogger := func(ctx context.Context) context.Context {
		ctx = tflog.NewSubsystem(ctx, apiLogSubsystem, tflog.WithLevelFromEnv(apiLogLevelVariable))
		ctx = tflog.SubsystemMaskAllFieldValuesStrings(ctx, apiLogSubsystem, secrets...)
		return tflog.SubsystemMaskMessageStrings(ctx, apiLogSubsystem, secrets...)
	}
	// Retries are warnings, written whatever TF_LOG says (DESIGN.md §B11).
	cfg.Warn = func(ctx context.Context, msg string, fields map[string]any) {
		tflog.SubsystemWarn(apiLogger(ctx), apiLogSubsystem, msg, fields)
	}
	cfg.Log = func(ctx context.Context, msg string, fields map[string]any) {
		tflog.SubsystemDebug(apiLogger(ctx), apiLogSubsystem, msg, fields)
	}
	client, err := gitlabapi.New(cfg)
	if err != nil {
		// The URL is checked already, so what is left to fail is the CA certificate file.
		resp.Diagnostics.AddAttributeError(path.Root("cacert_file"), "Unable to Create GitLab Client",
			"The provider could not set up its GitLab client: "+err.Error()+". Set \"cacert_file\" (or "+
				envCACertFile+") to a PEM file of CA certificates.")
		return
	}
	data := &providerData{client: client, approvalPollInterval: p.opts.approvalPollInterval,
		projects: newProjectIDs(client, req.TerraformVersion), currentDeployments: newCurrentDeployments(client),
		tracked: &trackedDeployments{}}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.ListResourceData = data
	resp.ActionData = data
}

func (p *gitlabDeployProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewDeploymentResource,
		NewDeploymentApprovalResource,
	}
}

// ListResources are the list resources of terraform query (Terraform 1.14 and later).
func (p *gitlabDeployProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewDeploymentListResource,
	}
}

func (p *gitlabDeployProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewDeploymentDataSource,
		NewDeploymentsDataSource,
		NewDeploymentMergeRequestsDataSource,
		NewDeployedMergeRequestsDataSource,
	}
}

// Actions need Terraform 1.14 or later; older CLIs and OpenTofu never ask for them.
func (p *gitlabDeployProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{
		NewApproveDeploymentAction,
		NewRecordDeploymentAction,
		NewStopEnvironmentAction,
	}
}

// Functions need Terraform 1.8 or OpenTofu 1.7 or later; they run without the provider's
// configuration, so they work offline and before the provider block's values are known.
func (p *gitlabDeployProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{
		NewEnvironmentSlugFunction,
	}
}

// providerSetting is a setting of the provider block that the environment can also give: the
// argument wins, then the environment variable, then the default. parse checks the value and
// stores it in the client's configuration; its error, which says the fix, becomes an error
// titled summary on the argument.
type providerSetting struct {
	name    string
	env     string
	arg     func(*providerModel) attr.Value
	def     string
	summary string
	parse   func(cfg *gitlabapi.Config, value string) error
}

// providerSettings are the settings other than the credentials, with baseURL the default of
// base_url (the CI job's own instance when its job token is used).
func providerSettings(baseURL string) []providerSetting {
	return []providerSetting{
		{
			name: "base_url", env: envBaseURL, def: baseURL, summary: "Invalid GitLab Base URL",
			arg: func(m *providerModel) attr.Value { return m.BaseURL },
			parse: func(cfg *gitlabapi.Config, v string) error {
				cfg.BaseURL = v
				_, err := gitlabapi.APIURL(v)
				return err
			},
		},
		{
			name: "cacert_file", env: envCACertFile, summary: "Unreadable CA Certificate File",
			arg: func(m *providerModel) attr.Value { return m.CACertFile },
			parse: func(cfg *gitlabapi.Config, v string) error {
				cfg.CACertFile = v
				if _, err := os.Stat(v); v != "" && err != nil {
					return fmt.Errorf("the CA certificate file %q cannot be read: %w; set it to the path of a PEM file", v, err)
				}
				return nil
			},
		},
		{
			name: "insecure", env: envInsecure, def: "false", summary: "Invalid GitLab Insecure Setting",
			arg: func(m *providerModel) attr.Value { return m.Insecure },
			parse: func(cfg *gitlabapi.Config, v string) (err error) {
				if cfg.Insecure, err = strconv.ParseBool(strings.TrimSpace(v)); err != nil {
					return fmt.Errorf("%q is not a boolean; set it to true or false", v)
				}
				return nil
			},
		},
		{
			name: "max_retries", env: envMaxRetries, def: strconv.Itoa(defaultMaxRetries), summary: "Invalid GitLab Max Retries Setting",
			arg: func(m *providerModel) attr.Value { return m.MaxRetries },
			parse: func(cfg *gitlabapi.Config, v string) (err error) {
				if cfg.MaxRetries, err = strconv.Atoi(strings.TrimSpace(v)); err != nil || cfg.MaxRetries < 0 {
					return fmt.Errorf("%q is not a whole number of 0 or more; set it to one", v)
				}
				return nil
			},
		},
		{
			name: "unreachable_timeout", def: gitlabapi.DefaultUnreachableTimeout.String(), summary: "Invalid GitLab Unreachable Timeout",
			arg: func(m *providerModel) attr.Value { return m.UnreachableTimeout },
			parse: func(cfg *gitlabapi.Config, v string) (err error) {
				if cfg.UnreachableTimeout, err = time.ParseDuration(strings.TrimSpace(v)); err != nil || cfg.UnreachableTimeout <= 0 {
					return fmt.Errorf("%q is not a positive duration; write it as a number with a unit, such as \"30s\" or \"2m\"", v)
				}
				return nil
			},
		},
	}
}

// clientConfig resolves the credentials, then every other setting from providerSettings.
func (p *gitlabDeployProvider) clientConfig(config providerModel) (gitlabapi.Config, diag.Diagnostics) {
	getenv := p.opts.getenv
	cfg := gitlabapi.Config{
		UserAgent:    "terraform-provider-gitlabdeploy/" + p.version,
		RetryWaitMin: p.opts.retryWaitMin,
		RetryWaitMax: p.opts.retryWaitMax,
	}
	baseURL := defaultBaseURL
	diags := p.credentials(config, &cfg)
	if cfg.JobToken != "" && getenv(envCIAPIURL) != "" {
		// A job token only works on the instance that issued it.
		baseURL = getenv(envCIAPIURL)
	}
	for _, s := range providerSettings(baseURL) {
		arg := s.arg(&config)
		value, source := s.def, ""
		switch {
		case arg.IsUnknown():
			diags.Append(unknownSetting(s.name, s.env))
			continue
		case !arg.IsNull():
			value, source = settingString(arg), fmt.Sprintf("%q", s.name)
		case s.env != "" && getenv(s.env) != "":
			value, source = getenv(s.env), "The "+s.env+" environment variable"
		}
		if err := s.parse(&cfg, value); err != nil && source != "" {
			diags.AddAttributeError(path.Root(s.name), s.summary, fmt.Sprintf("%s is invalid: %v.", source, err))
		}
	}
	return cfg, diags
}

// credentials sets the token: from the block, then GITLAB_TOKEN, then the CI job's own token.
func (p *gitlabDeployProvider) credentials(config providerModel, cfg *gitlabapi.Config) diag.Diagnostics {
	var diags diag.Diagnostics
	getenv := p.opts.getenv
	if config.Token.IsUnknown() {
		diags.Append(unknownSetting("token", envToken))
	}
	if config.JobToken.IsUnknown() {
		diags.Append(unknownSetting("job_token", envJobToken))
	}
	switch {
	case diags.HasError():
	case !config.Token.IsNull() && !config.JobToken.IsNull():
		diags.AddAttributeError(path.Root("job_token"), "Conflicting GitLab Credentials",
			"Both \"token\" and \"job_token\" are set in the provider block. Set only one: "+
				"\"token\" for an access token, \"job_token\" for a CI/CD job token.")
	case !config.Token.IsNull():
		cfg.Token = config.Token.ValueString()
		if cfg.Token == "" {
			diags.AddAttributeError(path.Root("token"), "Empty GitLab Token",
				"\"token\" is set to an empty string. Set it to an access token with the api scope, "+
					"or leave it out to use the "+envToken+" environment variable.")
		}
	case !config.JobToken.IsNull():
		cfg.JobToken = config.JobToken.ValueString()
		if cfg.JobToken == "" {
			diags.AddAttributeError(path.Root("job_token"), "Empty GitLab Job Token",
				"\"job_token\" is set to an empty string. Set it to a CI/CD job token (for example "+
					"from var.ci_job_token), or leave it out to use the "+envJobToken+" environment variable.")
		}
	case getenv(envToken) != "":
		cfg.Token = getenv(envToken)
	case getenv(envJobToken) != "":
		cfg.JobToken = getenv(envJobToken)
	default:
		diags.AddAttributeError(path.Root("token"), "Missing GitLab Token",
			"The provider needs credentials to call GitLab. Set \"token\" in the provider block or the "+
				envToken+" environment variable to an access token with the api scope, or run inside a "+
				"GitLab CI job, where "+envJobToken+" is used.")
	}
	return diags
}

// unknownSetting refuses an argument not known until apply; env is empty for a setting that no
// environment variable gives.
func unknownSetting(name, env string) diag.Diagnostic {
	fix := "leave it out for its default"
	if env != "" {
		fix = "leave it out and set the " + env + " environment variable"
	}
	return diag.NewAttributeErrorDiagnostic(path.Root(name), "Unknown GitLab Provider Setting",
		fmt.Sprintf("The provider cannot reach GitLab because %q is not known until apply. "+
			"Set it to a value known at plan time, or %s.", name, fix))
}

// settingString is an argument's value as the environment would spell it.
func settingString(v attr.Value) string {
	switch v := v.(type) {
	case types.String:
		return v.ValueString()
	case types.Bool:
		return strconv.FormatBool(v.ValueBool())
	case types.Int64:
		return strconv.FormatInt(v.ValueInt64(), 10)
	}
	return v.String()
}

// durationValidator accepts a positive Go duration such as 30s or 2m.
type durationValidator struct{}

func (durationValidator) Description(_ context.Context) string {
	return "must be a positive duration such as 30s or 2m"
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if d, err := time.ParseDuration(req.ConfigValue.ValueString()); err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration",
			fmt.Sprintf("%q is not a positive duration. Write it as a number with a unit, such as \"30s\" or \"2m\".",
				req.ConfigValue.ValueString()))
	}
}

// baseURLValidator refuses a base_url that is not an http(s) URL, at plan time.
type baseURLValidator struct{}

func (baseURLValidator) Description(_ context.Context) string {
	return "must be an http or https URL"
}

func (v baseURLValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (baseURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := gitlabapi.APIURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid GitLab Base URL",
			"\"base_url\" is invalid: "+err.Error()+".")
	}
}

// configuredData is the providerData of a resource's, data source's or action's Configure request; nil
// until the provider is configured.
func configuredData(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return pd
}

// enumMarkdown renders allowed values for schema docs: "`a`, `b` or `c`".
func enumMarkdown(values []string) string { return joinWords(quoteEach(values, markdownCode), "or") }

// codeList renders names that all apply in Markdown: "`a`" or "`a` and `b`".
func codeList(names []string) string { return joinWords(quoteEach(names, markdownCode), "and") }

// enumText renders allowed values for diagnostics: `"a", "b" or "c"`.
func enumText(values []string) string { return joinWords(quoteEach(values, strconv.Quote), "or") }

func markdownCode(s string) string { return "`" + s + "`" }

func quoteEach(values []string, quote func(string) string) []string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = quote(v)
	}
	return quoted
}

// joinWords joins items as a sentence does: "a", "a or b", "a, b or c" (with conjunction "or").
func joinWords(items []string, conjunction string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conjunction + " " + items[len(items)-1]
}
