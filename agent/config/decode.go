package config

import (
	"fmt"
	"math"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Error is a config problem at a place in the file. Its text is what the
// user sees: "config line 12: stream "lobby": video.black.ratio: must be in
// (0,1]; …": the line, the key path, the problem and the fix.
type Error struct {
	Line int
	Path string // key path, "" for the whole file
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Path != "":
		return fmt.Sprintf("config line %d: %s: %s", e.Line, e.Path, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("config line %d: %s", e.Line, e.Msg)
	case e.Path != "":
		return fmt.Sprintf("config: %s: %s", e.Path, e.Msg)
	}
	return "config: " + e.Msg
}

// path is a key path as errors print it. Inside a stream the stream's name
// leads, because "streams[3]" means nothing to someone reading the file:
// `stream "lobby": video.black.ratio`.
type path struct {
	stream string // `stream "lobby"` or `streams[3]`; "" outside streams
	keys   string // dotted keys below the stream (or from the top)
}

func (p path) key(k string) path {
	if p.keys == "" {
		p.keys = k
	} else {
		p.keys += "." + k
	}
	return p
}

func (p path) index(i int) path {
	p.keys += fmt.Sprintf("[%d]", i)
	return p
}

func (p path) String() string {
	switch {
	case p.stream == "":
		return p.keys
	case p.keys == "":
		return p.stream
	}
	return p.stream + ": " + p.keys
}

// decoder walks a yaml.Node tree into Go values by reflection, strictly:
// every key must be known, every scalar must have the field's type. It also
// records the line of every key path so that later validation can point at
// the line too.
type decoder struct {
	lines  map[string]int
	getenv func(string) (string, bool)
}

func (d *decoder) errf(n *yaml.Node, p path, format string, args ...any) error {
	return &Error{Line: n.Line, Path: p.String(), Msg: fmt.Sprintf(format, args...)}
}

var durationType = reflect.TypeOf(time.Duration(0))

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping (key: value lines)"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.Tag {
	case "!!null":
		return "nothing"
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return n.Value
	}
	return strconv.Quote(n.Value)
}

// decode sets v from n. A null node leaves v as it is: `device:` with no
// value means "the default", like leaving the key out.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, p path) error {
	if n.Kind == yaml.AliasNode {
		return d.errf(n, p, "YAML aliases (*name) are not supported; write the value out")
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	t := v.Type()
	switch {
	case t.Kind() == reflect.Struct:
		return d.decodeStruct(n, v, p)
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		// A single value or a list: `broker: tcp://a` or `broker: [tcp://a, tcp://b]`.
		if n.Kind == yaml.ScalarNode {
			s, err := d.scalar(n, p)
			if err != nil {
				return err
			}
			v.Set(reflect.ValueOf([]string{s}))
			return nil
		}
		if n.Kind != yaml.SequenceNode {
			return d.errf(n, p, "expected a value or a list of values, got %s", kindName(n))
		}
		out := make([]string, 0, len(n.Content))
		for i, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return d.errf(c, p.index(i), "expected a value, got %s", kindName(c))
			}
			s, err := d.scalar(c, p.index(i))
			if err != nil {
				return err
			}
			d.lines[p.index(i).String()] = c.Line
			out = append(out, s)
		}
		v.Set(reflect.ValueOf(out))
		return nil
	case t.Kind() == reflect.Slice:
		return d.errf(n, p, "internal: slice of %s is decoded by its owner", t.Elem())
	}
	if n.Kind != yaml.ScalarNode {
		return d.errf(n, p, "expected a single value, got %s", kindName(n))
	}
	s, err := d.scalar(n, p)
	if err != nil {
		return err
	}
	// After ${ENV} substitution the YAML tag no longer tells the type (it
	// was a string in the file); type the substituted text instead.
	tag := n.Tag
	if s != n.Value {
		tag = (&yaml.Node{Kind: yaml.ScalarNode, Value: s}).ShortTag()
	}
	switch {
	case t == durationType:
		if tag != "!!str" {
			return d.errf(n, p, "%s has no unit; write a duration such as 5s, 500ms or 1m", n.Value)
		}
		dur, err := time.ParseDuration(s)
		if err != nil {
			return d.errf(n, p, "%q is not a duration; write e.g. 5s, 500ms or 1m", s)
		}
		v.SetInt(int64(dur))
	case t.Kind() == reflect.String:
		// Names that YAML reads as numbers or booleans (device: 42) are
		// still fine as text: keep exactly what was written.
		v.SetString(s)
	case t.Kind() == reflect.Bool:
		if tag != "!!bool" {
			return d.errf(n, p, "expected true or false, got %s", strconv.Quote(s))
		}
		v.SetBool(s == "true" || s == "True" || s == "TRUE")
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		if tag != "!!int" {
			return d.errf(n, p, "expected a whole number, got %s", strconv.Quote(s))
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64)
		if err != nil || v.OverflowInt(i) {
			return d.errf(n, p, "%s is out of range for a whole number", s)
		}
		v.SetInt(i)
	case t.Kind() == reflect.Float64 || t.Kind() == reflect.Float32:
		if tag != "!!int" && tag != "!!float" {
			return d.errf(n, p, "expected a number, got %s", strconv.Quote(s))
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return d.errf(n, p, "%s is not a finite number", s)
		}
		v.SetFloat(f)
	default:
		return d.errf(n, p, "internal: unsupported field type %s", t)
	}
	return nil
}

// scalar returns the node's text with ${VAR} and ${VAR:-default}
// substituted ($$ is a literal $), so secrets can stay out of the file.
func (d *decoder) scalar(n *yaml.Node, p path) (string, error) {
	s := n.Value
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		if i+1 >= len(s) || s[i+1] != '{' {
			b.WriteByte(c)
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", d.errf(n, p, "unclosed ${ in %q; write ${NAME}, or $$ for a literal $", s)
		}
		expr := s[i+2 : i+end]
		name, def, hasDef := strings.Cut(expr, ":-")
		if !validEnvName(name) {
			return "", d.errf(n, p, "${%s} is not a valid environment variable reference; write ${NAME} or ${NAME:-default}", expr)
		}
		val, ok := d.getenv(name)
		if !ok || (val == "" && hasDef) {
			if !hasDef {
				return "", d.errf(n, p, "environment variable %s is not set; export it, or write ${%s:-default}", name, name)
			}
			val = def
		}
		b.WriteString(val)
		i += end
	}
	return b.String(), nil
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// yamlFields maps yaml keys to struct field indexes.
func yamlFields(t reflect.Type) (map[string]int, []string) {
	m := map[string]int{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = i
		names = append(names, name)
	}
	return m, names
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, p path) error {
	if n.Kind != yaml.MappingNode {
		return d.errf(n, p, "expected a mapping (key: value lines), got %s", kindName(n))
	}
	fields, names := yamlFields(v.Type())
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		kp := p.key(k.Value)
		if first, dup := seen[k.Value]; dup {
			return d.errf(k, kp, "duplicate key (first at line %d); keep only one", first)
		}
		seen[k.Value] = k.Line
		fi, ok := fields[k.Value]
		if !ok {
			return d.errf(k, kp, "unknown key%s", suggest(k.Value, names))
		}
		d.lines[kp.String()] = k.Line
		f := v.Field(fi)
		if err := d.decodeField(val, f, kp); err != nil {
			return err
		}
	}
	return nil
}

// decodeField handles the one slice of structs the config has (streams)
// and delegates everything else.
func (d *decoder) decodeField(n *yaml.Node, f reflect.Value, p path) error {
	if f.Type() == reflect.TypeOf([]Stream(nil)) {
		return d.decodeStreams(n, f, p)
	}
	return d.decode(n, f, p)
}

func (d *decoder) decodeStreams(n *yaml.Node, f reflect.Value, p path) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return d.errf(n, p, "expected a list of streams (lines starting with \"- name: …\"), got %s", kindName(n))
	}
	streams := make([]Stream, 0, len(n.Content))
	for i, c := range n.Content {
		s := DefaultStream()
		s.Line = c.Line
		sp := path{stream: fmt.Sprintf("streams[%d]", i)}
		// Name the stream in every error below it, if it has a usable name.
		if c.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(c.Content); j += 2 {
				if c.Content[j].Value == "name" && c.Content[j+1].Kind == yaml.ScalarNode && c.Content[j+1].Value != "" {
					sp.stream = fmt.Sprintf("stream %q", c.Content[j+1].Value)
				}
			}
		}
		s.path = sp
		d.lines[sp.String()] = c.Line
		if err := d.decode(c, reflect.ValueOf(&s).Elem(), sp); err != nil {
			return err
		}
		streams = append(streams, s)
	}
	f.Set(reflect.ValueOf(streams))
	return nil
}

// suggest names the closest known key, or lists them all.
func suggest(got string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if dist := editDistance(strings.ToLower(got), k); dist < bestD {
			best, bestD = k, dist
		}
	}
	if best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	return "; known keys here: " + strings.Join(sorted, ", ")
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func osGetenv(name string) (string, bool) { return os.LookupEnv(name) }
