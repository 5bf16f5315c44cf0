// Package envslug computes GitLab's environment slug (CI_ENVIRONMENT_SLUG). The provider's
// environment_slug function and the fake GitLab both use it (DESIGN.md §A13).
package envslug

import (
	"crypto/sha256"
	"math/big"
	"strings"
	"unicode"
)

// maxLength is the longest slug GitLab keeps without shortening it.
const maxLength = 24

// Slug returns the slug GitLab derives from an environment name: lower case, every character
// other than a-z and 0-9 turned into '-', "env-" in front unless it starts with a letter, runs of
// '-' squeezed into one. A result that differs from the name or is longer than 24 characters is
// cut to 17 characters, followed by '-' (unless it already ends with one) and the last six base-36
// digits of the name's SHA-256; any other loses one trailing '-'.
func Slug(name string) string {
	var b strings.Builder
	for _, r := range name {
		b.WriteString(slugChars(r))
	}
	slug := b.String()
	if slug == "" || slug[0] < 'a' || slug[0] > 'z' {
		slug = "env-" + slug
	}
	for strings.Contains(slug, "--") {
		slug = strings.ReplaceAll(slug, "--", "-")
	}
	if len(slug) <= maxLength && slug == name {
		return strings.TrimSuffix(slug, "-")
	}
	slug = slug[:min(len(slug), 17)]
	if !strings.HasSuffix(slug, "-") {
		slug += "-"
	}
	return slug + suffix(name)
}

// slugChars is what one character of the name becomes: its lower case when that is a-z or 0-9,
// else '-' per character of the lower case. Ruby's downcase, which GitLab uses, maps U+0130 (İ) to
// two characters, "i" and a combining dot, where Go's ToLower gives one.
func slugChars(r rune) string {
	if r == 'İ' {
		return "i-"
	}
	l := unicode.ToLower(r)
	if (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') {
		return string(l)
	}
	return "-"
}

// suffix is the last six digits of the name's SHA-256 written in base 36.
func suffix(name string) string {
	sum := sha256.Sum256([]byte(name))
	digits := new(big.Int).SetBytes(sum[:]).Text(36)
	return digits[max(0, len(digits)-6):]
}
