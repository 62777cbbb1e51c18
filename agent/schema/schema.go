// Package schema holds the JSON Schema (draft 2020-12) of every JSON
// payload the agent publishes, and a validator for the subset of the
// vocabulary those schemas use, so tests check real payloads against the
// published contract without a third-party library. A keyword outside the
// subset is an error, never silently ignored.
package schema

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
)

//go:embed *.json
var files embed.FS

// Names of the schema files, one per payload.
const (
	Alert        = "alert.json"
	DefectState  = "defect-state.json"
	StreamStatus = "stream-status.json"
	Stats        = "stats.json"
	Outbox       = "outbox.json"
	HADiscovery  = "ha-discovery.json"
)

// Validate checks payload against the named schema and returns every
// violation, each with its JSON path.
func Validate(name string, payload []byte) error {
	raw, err := files.ReadFile(name)
	if err != nil {
		return fmt.Errorf("schema %s: %w", name, err)
	}
	var s map[string]any
	if err := json.Unmarshal(raw, &s); err != nil {
		return fmt.Errorf("schema %s: %w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%s: payload is not JSON: %w", name, err)
	}
	var errs []string
	check(s, v, "$", &errs)
	if len(errs) > 0 {
		return fmt.Errorf("%s: %s", name, strings.Join(errs, "; "))
	}
	return nil
}

var known = map[string]bool{
	"$schema": true, "$id": true, "title": true, "description": true,
	"type": true, "properties": true, "required": true, "additionalProperties": true,
	"enum": true, "const": true, "minimum": true, "maximum": true, "minLength": true,
	"pattern": true, "format": true, "items": true,
}

func check(s map[string]any, v any, path string, errs *[]string) {
	fail := func(format string, args ...any) {
		*errs = append(*errs, path+": "+fmt.Sprintf(format, args...))
	}
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !known[k] {
			fail("schema keyword %q is not supported by this validator", k)
		}
	}
	if t, ok := s["type"]; ok {
		if !typeOK(t, v) {
			fail("type is %s, want %v", typeName(v), t)
			return
		}
	}
	if e, ok := s["enum"].([]any); ok {
		found := false
		for _, x := range e {
			found = found || equal(x, v)
		}
		if !found {
			fail("%v is not one of %v", v, e)
		}
	}
	if c, ok := s["const"]; ok && !equal(c, v) {
		fail("%v, want %v", v, c)
	}
	if n, ok := v.(json.Number); ok {
		f, _ := n.Float64()
		if m, ok := s["minimum"].(float64); ok && f < m {
			fail("%v < minimum %v", f, m)
		}
		if m, ok := s["maximum"].(float64); ok && f > m {
			fail("%v > maximum %v", f, m)
		}
	}
	if str, ok := v.(string); ok {
		if m, ok := s["minLength"].(float64); ok && float64(len([]rune(str))) < m {
			fail("shorter than %v", m)
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			fail("%q does not match %s", str, p)
		}
		if f, ok := s["format"].(string); ok && f == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				fail("%q is not an RFC 3339 date-time", str)
			}
		}
	}
	if obj, ok := v.(map[string]any); ok {
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := obj[r.(string)]; !ok {
					fail("missing required %q", r)
				}
			}
		}
		names := make([]string, 0, len(obj))
		for k := range obj {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			if ps, ok := props[k].(map[string]any); ok {
				check(ps, obj[k], path+"."+k, errs)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					fail("property %q is not in the schema", k)
				}
			case map[string]any:
				check(ap, obj[k], path+"."+k, errs)
			}
		}
	}
	if arr, ok := v.([]any); ok {
		if is, ok := s["items"].(map[string]any); ok {
			for i, x := range arr {
				check(is, x, fmt.Sprintf("%s[%d]", path, i), errs)
			}
		}
	}
}

func typeOK(t any, v any) bool {
	switch t := t.(type) {
	case string:
		return isType(t, v)
	case []any:
		for _, x := range t {
			if isType(x.(string), v) {
				return true
			}
		}
	}
	return false
}

func isType(t string, v any) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		f, err := n.Float64()
		return err == nil && f == math.Trunc(f)
	}
	return false
}

func typeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case nil:
		return "null"
	}
	return reflect.TypeOf(v).String()
}

// equal compares a schema value (float64 numbers) with a payload value
// (json.Number).
func equal(schemaV, v any) bool {
	if n, ok := v.(json.Number); ok {
		f, _ := n.Float64()
		sf, ok := schemaV.(float64)
		return ok && sf == f
	}
	return reflect.DeepEqual(schemaV, v)
}

// Names lists the schema files.
func Names() []string {
	es, _ := files.ReadDir(".")
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}
