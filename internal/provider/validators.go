package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// maxNameLength is GitLab's limit on environment, user and group names, in characters.
const maxNameLength = 255

// environmentNamePattern is GitLab's rule for environment names (DESIGN.md §A1).
var environmentNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_${}. -]([a-zA-Z0-9_/${}. -]*[a-zA-Z0-9_${}. -])?$`)

// environmentNameValidators refuse what GitLab refuses as an environment name (DESIGN.md §A1).
func environmentNameValidators() []validator.String {
	return []validator.String{
		stringvalidator.LengthBetween(1, maxNameLength),
		stringvalidator.RegexMatches(environmentNamePattern, "must contain only letters, digits, "+
			"'-', '_', '/', '$', '{', '}', '.' and spaces, and must not start or end with '/'"),
	}
}

// refValidator refuses a ref that no branch, tag or commit of GitLab can be named by. It leaves
// alone what Git resolves as a revision (main~1, v1.0^{commit}), which GitLab accepts.
type refValidator struct{}

func (refValidator) Description(_ context.Context) string {
	return "must be a branch, tag or commit: not empty, without spaces or control characters, not starting with '-'"
}

func (v refValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (refValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := checkRef(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Ref",
			capitalize(err.Error())+". Set \"ref\" to the branch or tag deployed, such as main or v1.2.0.")
	}
}

// checkRef refuses what Git never accepts in a branch or tag name nor GitLab in a revision.
func checkRef(ref string) error {
	switch {
	case ref == "":
		return fmt.Errorf("\"ref\" is empty")
	case strings.HasPrefix(ref, "-"):
		return fmt.Errorf("the ref %q starts with '-'", shorten(ref))
	}
	if i := strings.IndexFunc(ref, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
		return fmt.Errorf("the ref %q holds a space or control character at byte %d, which Git refuses in branch and "+
			"tag names", shorten(ref), i)
	}
	return nil
}
