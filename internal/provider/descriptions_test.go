package provider

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// TestDescriptionsAreShort walks every schema the provider serves (provider, resources and their
// identities, data sources, list resources, actions, functions) and fails on an attribute, block
// or parameter description longer than two sentences: the rest belongs on the page's template
// or in a guide.
func TestDescriptionsAreShort(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Fatalf("GetProviderSchema: %s: %s", d.Summary, d.Detail)
	}
	var long []string
	check := func(where, description string) {
		if n := sentenceCount(description); n > 2 {
			long = append(long, fmt.Sprintf("%s (%d sentences): %s", where, n, description))
		}
	}
	walkSchema("provider", resp.Provider, check)
	for name, s := range resp.ResourceSchemas {
		walkSchema("resource "+name, s, check)
	}
	for name, s := range resp.DataSourceSchemas {
		walkSchema("data source "+name, s, check)
	}
	for name, s := range resp.ListResourceSchemas {
		walkSchema("list resource "+name, s, check)
	}
	for name, s := range resp.ActionSchemas {
		walkSchema("action "+name, s.Schema, check)
	}
	for name, f := range resp.Functions {
		check("function "+name+" summary", f.Summary)
		for _, p := range f.Parameters {
			check("function "+name+" parameter "+p.Name, p.Description)
		}
		if p := f.VariadicParameter; p != nil {
			check("function "+name+" parameter "+p.Name, p.Description)
		}
	}
	identities, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range identities.IdentitySchemas {
		for _, a := range s.IdentityAttributes {
			check("identity of "+name+" attribute "+a.Name, a.Description)
		}
	}
	sort.Strings(long)
	for _, l := range long {
		t.Error(l)
	}
}

// walkSchema calls check with every attribute's and block's description of s.
func walkSchema(where string, s *tfprotov6.Schema, check func(where, description string)) {
	if s == nil || s.Block == nil {
		return
	}
	walkBlock(where, s.Block, check)
}

func walkBlock(where string, b *tfprotov6.SchemaBlock, check func(where, description string)) {
	for _, a := range b.Attributes {
		check(where+" attribute "+a.Name, a.Description)
		if a.NestedType != nil {
			walkObject(where+" attribute "+a.Name, a.NestedType, check)
		}
	}
	for _, nb := range b.BlockTypes {
		check(where+" block "+nb.TypeName, nb.Block.Description)
		walkBlock(where+" block "+nb.TypeName, nb.Block, check)
	}
}

func walkObject(where string, o *tfprotov6.SchemaObject, check func(where, description string)) {
	for _, a := range o.Attributes {
		check(where+"."+a.Name, a.Description)
		if a.NestedType != nil {
			walkObject(where+"."+a.Name, a.NestedType, check)
		}
	}
}

var (
	codeSpan = regexp.MustCompile("`[^`]*`")
	// abbreviation is a dot that ends no sentence: "e.g.", "i.e.", "etc." and a dot between digits.
	abbreviation = regexp.MustCompile(`\b(e\.g|i\.e|etc|vs)\.|\d\.\d`)
	sentenceEnd  = regexp.MustCompile(`[.!?](\s|$)`)
)

// sentenceCount counts the sentences of a description: text ending in a full stop, question or
// exclamation mark, outside code spans.
func sentenceCount(description string) int {
	s := codeSpan.ReplaceAllString(description, "code")
	s = abbreviation.ReplaceAllString(s, "x")
	s = strings.TrimSpace(s)
	n := len(sentenceEnd.FindAllStringIndex(s, -1))
	if s != "" && !strings.ContainsAny(s[len(s)-1:], ".!?") {
		n++ // a last sentence without its full stop
	}
	return n
}

func TestSentenceCount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text string
		want int
	}{
		{"", 0},
		{"Name of the environment.", 1},
		{"Name of the environment", 1},
		{"Status, for example `a.b` or `c`. Default `false`.", 2},
		{"Needs GitLab 16.3 or later, e.g. on GitLab.com. Then this.", 2},
		{"One. Two. Three.", 3},
		{"One.\n\nTwo? Three!", 3},
	} {
		if got := sentenceCount(tc.text); got != tc.want {
			t.Errorf("sentenceCount(%q) = %d, want %d", tc.text, got, tc.want)
		}
	}
}
