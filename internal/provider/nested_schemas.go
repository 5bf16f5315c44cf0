package provider

import (
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// computedField is one computed field of a nested object that resources and data sources both
// show; the framework's two schema packages each get it from here. Its type matches the
// converters in convert.go.
type computedField struct {
	name, description string
	isInt64           bool
}

// userFields are a GitLab user's (userAttrTypes).
var userFields = []computedField{
	{name: "id", description: "User ID.", isInt64: true},
	{name: "username", description: "Username."},
	{name: "name", description: "Display name."},
}

// jobFields are a CI job's, a deployment's `deployable` (jobAttrTypes).
var jobFields = []computedField{
	{name: "id", description: "Job ID.", isInt64: true},
	{name: "name", description: "Job name."},
	{name: "stage", description: "Pipeline stage of the job."},
	{name: "status", description: "Job status, for example `success` or `manual`."},
	{name: "ref", description: "Ref the job ran for."},
	{name: "web_url", description: "Link to the job in GitLab."},
}

// jobDescription describes a deployment's `deployable`.
const jobDescription = "The CI job that created the deployment (GitLab's `deployable`); null for a deployment " +
	"recorded through the API."

// resourceAttributes are fields as a resource schema's attributes.
func resourceAttributes(fields []computedField) map[string]schema.Attribute {
	return computedAttributes(fields,
		func(d string) schema.Attribute { return schema.StringAttribute{MarkdownDescription: d, Computed: true} },
		func(d string) schema.Attribute { return schema.Int64Attribute{MarkdownDescription: d, Computed: true} })
}

// dataSourceAttributes are fields as a data source schema's attributes.
func dataSourceAttributes(fields []computedField) map[string]dsschema.Attribute {
	return computedAttributes(fields,
		func(d string) dsschema.Attribute {
			return dsschema.StringAttribute{MarkdownDescription: d, Computed: true}
		},
		func(d string) dsschema.Attribute {
			return dsschema.Int64Attribute{MarkdownDescription: d, Computed: true}
		})
}

func computedAttributes[A any](fields []computedField, stringAttr, int64Attr func(description string) A) map[string]A {
	attrs := make(map[string]A, len(fields))
	for _, f := range fields {
		if f.isInt64 {
			attrs[f.name] = int64Attr(f.description)
		} else {
			attrs[f.name] = stringAttr(f.description)
		}
	}
	return attrs
}
