package fakegitlab

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// params is a request's merged parameter set (DESIGN.md §A1): query string, then the form or JSON body, then
// the path parameters, later sources winning. Values are string, json.Number, bool, nil (JSON
// null), []any or map[string]any.
type params map[string]any

const maxBody = 1 << 20

var errBadBody = errors.New("message body does not match declared format")

// decodeParams merges the query string and the body of r. A body that is not valid for its
// content type is errBadBody.
func decodeParams(r *http.Request) (params, error) {
	p := params{}
	mergeForm(p, formPairs(r.URL.RawQuery))
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return p, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return nil, errBadBody
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return p, nil
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, errBadBody
		}
		if obj, ok := v.(map[string]any); ok {
			for k, val := range obj {
				p[k] = val
			}
		}
	case mediaType == "multipart/form-data":
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return nil, errBadBody
		}
		var pairs []formPair
		for _, k := range sortedKeys(r.MultipartForm.Value) {
			for _, v := range r.MultipartForm.Value[k] {
				pairs = append(pairs, formPair{k, v})
			}
		}
		mergeForm(p, pairs)
	default:
		mergeForm(p, formPairs(string(body)))
	}
	return p, nil
}

type formPair struct{ key, value string }

// formPairs splits a URL-encoded query or body in order, skipping what does not decode (as Rack
// does) so that a stray '%' does not make the whole request unusable.
func formPairs(raw string) []formPair {
	var out []formPair
	for part := range strings.SplitSeq(raw, "&") {
		k, v, _ := strings.Cut(part, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 == nil && err2 == nil && k != "" {
			out = append(out, formPair{k, v})
		}
	}
	return out
}

// mergeForm adds form pairs to p, understanding Rack's nested keys: a[b]=1, a[]=1, a[][b]=1 and
// a[0][b]=1. A repeated plain key keeps its last value, as in Rack.
func mergeForm(p params, pairs []formPair) {
	for _, kv := range pairs {
		name, rest, nested := strings.Cut(kv.key, "[")
		if !nested || name == "" {
			p[kv.key] = kv.value
			continue
		}
		parts, ok := bracketParts("[" + rest)
		if !ok {
			p[kv.key] = kv.value
			continue
		}
		p[name] = setNested(p[name], parts, kv.value)
	}
	for k, v := range p {
		p[k] = indexedMapsToSlices(v)
	}
}

// bracketParts splits "[a][][b]" into ["a", "", "b"].
func bracketParts(s string) ([]string, bool) {
	var parts []string
	for s != "" {
		if s[0] != '[' {
			return nil, false
		}
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return nil, false
		}
		parts = append(parts, s[1:end])
		s = s[end+1:]
	}
	return parts, true
}

func setNested(cur any, parts []string, val string) any {
	if len(parts) == 0 {
		return val
	}
	key, rest := parts[0], parts[1:]
	if key == "" { // an array
		arr, _ := cur.([]any)
		if len(rest) == 0 {
			return append(arr, val)
		}
		// Rack: a[][b]=… starts a new element unless the last one lacks b.
		if n := len(arr); n > 0 {
			if last, ok := arr[n-1].(map[string]any); ok {
				if _, has := last[rest[0]]; !has && rest[0] != "" {
					arr[n-1] = setNested(last, rest, val)
					return arr
				}
			}
		}
		return append(arr, setNested(nil, rest, val))
	}
	m, ok := cur.(map[string]any)
	if !ok {
		m = map[string]any{}
	}
	m[key] = setNested(m[key], rest, val)
	return m
}

// indexedMapsToSlices turns {"0": x, "1": y} (from a[0][b]=…) into [x, y].
func indexedMapsToSlices(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = indexedMapsToSlices(e)
		}
		if len(t) == 0 {
			return t
		}
		idx := make([]int, 0, len(t))
		for k := range t {
			n, err := strconv.Atoi(k)
			if err != nil || n < 0 || strconv.Itoa(n) != k {
				return t
			}
			idx = append(idx, n)
		}
		slices.Sort(idx)
		out := make([]any, 0, len(idx))
		for _, n := range idx {
			out = append(out, t[strconv.Itoa(n)])
		}
		return out
	case []any:
		for i, e := range t {
			t[i] = indexedMapsToSlices(e)
		}
	}
	return v
}

// Coercions as Grape does them.

func coerceString(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		return strconv.FormatBool(t), true
	case nil:
		return "", true
	}
	return "", false
}

func coerceInt(v any) (int64, bool) {
	switch t := v.(type) {
	case string:
		return parseInt(strings.TrimSpace(t))
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n, true
		}
		if f, err := t.Float64(); err == nil && f == float64(int64(f)) {
			return int64(f), true
		}
	}
	return 0, false
}

func parseInt(s string) (int64, bool) {
	s = strings.TrimPrefix(s, "+")
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// isInteger reports whether s is digits with an optional leading '-', how GitLab tells a project
// id from a path.
func isInteger(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func coerceBool(v any) (bool, bool) {
	switch t := v.(type) {
	case bool:
		return t, true
	case json.Number:
		return coerceBool(t.String())
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true", "1", "t", "y", "yes", "on":
			return true, true
		case "false", "0", "f", "n", "no", "off":
			return false, true
		}
	}
	return false, false
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02",
}

// coerceTime parses ISO 8601 date-times; a time without a zone is UTC.
func coerceTime(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
