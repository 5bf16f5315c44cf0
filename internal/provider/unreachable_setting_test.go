package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// unreachable_timeout is a row of providerSettings without an environment variable: the
// argument wins, else the 30 s default, and an unknown one names no environment variable.
func TestProviderUnreachableTimeoutSetting(t *testing.T) {
	t.Parallel()
	p, ok := newWithOptions("test", testProviderOptions(map[string]string{"": "5m"}))().(*gitlabDeployProvider)
	if !ok {
		t.Fatal("the provider is not a *gitlabDeployProvider")
	}
	base := providerModel{Token: types.StringValue("t"), UnreachableTimeout: types.StringNull()}

	cfg, diags := p.clientConfig(base)
	if diags.HasError() || cfg.UnreachableTimeout != 30*time.Second {
		t.Errorf("unset: UnreachableTimeout = %s, diagnostics %v; want the 30s default", cfg.UnreachableTimeout, diags)
	}

	set := base
	set.UnreachableTimeout = types.StringValue("2m")
	if cfg, diags = p.clientConfig(set); diags.HasError() || cfg.UnreachableTimeout != 2*time.Minute {
		t.Errorf("2m: UnreachableTimeout = %s, diagnostics %v; want 2m", cfg.UnreachableTimeout, diags)
	}

	unknown := base
	unknown.UnreachableTimeout = types.StringUnknown()
	_, diags = p.clientConfig(unknown)
	if len(diags) != 1 || !strings.Contains(diags[0].Detail(), `"unreachable_timeout" is not known until apply`) ||
		strings.Contains(diags[0].Detail(), "environment variable") {
		t.Errorf("unknown: diagnostics %v; want one error naming unreachable_timeout and no environment variable", diags)
	}
}
