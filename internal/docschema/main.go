// Command docschema completes the provider schema that `terraform providers schema -json`
// exported with what older CLIs leave out: the resource identity schemas, the list resource
// schemas and the action schemas, read from the provider itself. tools/docs runs it so that docs/
// is the same whichever CLI generates it (DESIGN.md §B3, §B4).
//
//	go run ./internal/docschema schema.json
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/zclconf/go-cty/cty"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/provider"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: docschema schema.json")
		os.Exit(2)
	}
	if err := complete(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "docschema:", err)
		os.Exit(1)
	}
}

// complete rewrites the exported schema file with the provider's identity, list resource and
// action schemas.
func complete(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var schemas tfjson.ProviderSchemas
	if err := json.Unmarshal(data, &schemas); err != nil {
		return err
	}
	if len(schemas.Schemas) != 1 {
		return fmt.Errorf("%s holds %d providers, want 1", file, len(schemas.Schemas))
	}
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(provider.New("docs")())()
	if err != nil {
		return err
	}
	identities, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		return err
	}
	all, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		return err
	}
	for _, s := range schemas.Schemas {
		s.ResourceIdentitySchemas = map[string]*tfjson.IdentitySchema{}
		for name, identity := range identities.IdentitySchemas {
			if s.ResourceIdentitySchemas[name], err = identitySchema(identity); err != nil {
				return fmt.Errorf("identity of %s: %w", name, err)
			}
		}
		s.ListResourceSchemas = map[string]*tfjson.Schema{}
		for name, list := range all.ListResourceSchemas {
			if s.ListResourceSchemas[name], err = listSchema(list); err != nil {
				return fmt.Errorf("list resource %s: %w", name, err)
			}
		}
		s.ActionSchemas = map[string]*tfjson.ActionSchema{}
		for name, action := range all.ActionSchemas {
			block, err := configBlock(action.Schema.Block)
			if err != nil {
				return fmt.Errorf("action %s: %w", name, err)
			}
			s.ActionSchemas[name] = &tfjson.ActionSchema{Block: block}
		}
	}
	out, err := json.Marshal(&schemas)
	if err != nil {
		return err
	}
	return os.WriteFile(file, out, 0o600)
}

func identitySchema(s *tfprotov6.ResourceIdentitySchema) (*tfjson.IdentitySchema, error) {
	out := &tfjson.IdentitySchema{Version: uint64(s.Version), Attributes: map[string]*tfjson.IdentityAttribute{}}
	for _, a := range s.IdentityAttributes {
		typ, err := primitive(a.Type)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.Name, err)
		}
		out.Attributes[a.Name] = &tfjson.IdentityAttribute{
			IdentityType: typ, Description: a.Description,
			RequiredForImport: a.RequiredForImport, OptionalForImport: a.OptionalForImport,
		}
	}
	return out, nil
}

// listSchema converts a list resource's configuration schema.
func listSchema(s *tfprotov6.Schema) (*tfjson.Schema, error) {
	block, err := configBlock(s.Block)
	if err != nil {
		return nil, err
	}
	return &tfjson.Schema{Version: uint64(s.Version), Block: block}, nil
}

// nestingModes are the block nesting modes a configuration schema of this provider uses.
var nestingModes = map[tfprotov6.SchemaNestedBlockNestingMode]tfjson.SchemaNestingMode{
	tfprotov6.SchemaNestedBlockNestingModeSingle: tfjson.SchemaNestingModeSingle,
	tfprotov6.SchemaNestedBlockNestingModeList:   tfjson.SchemaNestingModeList,
}

// configBlock converts a configuration block of attributes of primitive types and nested blocks
// (an action's timeouts block), as Terraform exports it.
func configBlock(b *tfprotov6.SchemaBlock) (*tfjson.SchemaBlock, error) {
	block := &tfjson.SchemaBlock{
		Attributes:      map[string]*tfjson.SchemaAttribute{},
		Description:     b.Description,
		DescriptionKind: descriptionKind(b.DescriptionKind),
	}
	for _, a := range b.Attributes {
		typ, err := primitive(a.Type)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.Name, err)
		}
		block.Attributes[a.Name] = &tfjson.SchemaAttribute{
			AttributeType: typ, Description: a.Description, DescriptionKind: descriptionKind(a.DescriptionKind),
			Required: a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive,
		}
	}
	for _, nb := range b.BlockTypes {
		mode, ok := nestingModes[nb.Nesting]
		if !ok {
			return nil, fmt.Errorf("block %s: nesting mode %s is not supported", nb.TypeName, nb.Nesting)
		}
		inner, err := configBlock(nb.Block)
		if err != nil {
			return nil, fmt.Errorf("block %s: %w", nb.TypeName, err)
		}
		if block.NestedBlocks == nil {
			block.NestedBlocks = map[string]*tfjson.SchemaBlockType{}
		}
		block.NestedBlocks[nb.TypeName] = &tfjson.SchemaBlockType{
			NestingMode: mode, Block: inner, MinItems: uint64(nb.MinItems), MaxItems: uint64(nb.MaxItems),
		}
	}
	return block, nil
}

func primitive(t tftypes.Type) (cty.Type, error) {
	switch {
	case t.Is(tftypes.String):
		return cty.String, nil
	case t.Is(tftypes.Number):
		return cty.Number, nil
	case t.Is(tftypes.Bool):
		return cty.Bool, nil
	}
	return cty.NilType, fmt.Errorf("type %s is not supported", t)
}

func descriptionKind(k tfprotov6.StringKind) tfjson.SchemaDescriptionKind {
	if k == tfprotov6.StringKindMarkdown {
		return tfjson.SchemaDescriptionKindMarkdown
	}
	return tfjson.SchemaDescriptionKindPlain
}
