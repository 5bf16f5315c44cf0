package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// BenchmarkProviderSchema is the provider's start-up work as Terraform first sees it: a new
// provider server answering GetProviderSchema, which builds every resource's and data source's
// schema. make bench reports it.
func BenchmarkProviderSchema(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		server, err := providerserver.NewProtocol6WithError(New("bench")())()
		if err != nil {
			b.Fatal(err)
		}
		resp, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range resp.Diagnostics {
			if d.Severity == tfprotov6.DiagnosticSeverityError {
				b.Fatalf("GetProviderSchema: %s: %s", d.Summary, d.Detail)
			}
		}
		if len(resp.ResourceSchemas) == 0 {
			b.Fatal("GetProviderSchema returned no resource schema")
		}
	}
}
