package plan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxDepth bounds nesting, so that a hostile file cannot make the decoder recurse without end.
const maxDepth = 64

// Load parses a scenario strictly. file names the source in diagnostics. It returns the scenario
// and the positions of its fields; on any problem it returns every problem it found, as Diagnostics.
func Load(file string, data []byte) (*Scenario, positions, error) {
	r := &reporter{file: file, pos: positions{}}
	var sc Scenario
	root, err := parseOne(data)
	if err != nil {
		r.diags = append(r.diags, syntaxDiagnostic(file, err))
		return nil, r.pos, r.diags
	}
	if root == nil {
		r.errorf("", "the file is empty; a scenario starts with 'apiVersion: %s' and 'kind: %s'", APIVersion, Kind)
		return nil, r.pos, r.diags
	}
	d := &decoder{r: r}
	d.decode(root, reflect.ValueOf(&sc).Elem(), "", 0)
	if r.errorCount() > 0 {
		return nil, r.pos, r.diags.sorted()
	}
	return &sc, r.pos, nil
}

// parseOne parses exactly one YAML document. It returns nil, nil for a file with no content.
func parseOne(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &multiDocError{line: extra.Line}
	} else if !errors.Is(err, io.EOF) {
		return nil, err
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil, nil
		}
		return doc.Content[0], nil
	}
	return &doc, nil
}

type multiDocError struct{ line int }

func (e *multiDocError) Error() string {
	return "the file holds more than one YAML document; a scenario is one document (remove the '---' and what follows, or split the file)"
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxDiagnostic turns a YAML syntax error into a diagnostic with the line the parser names.
func syntaxDiagnostic(file string, err error) Diagnostic {
	d := Diagnostic{File: file, Line: 1, Column: 1, Severity: Error}
	var md *multiDocError
	switch {
	case errors.As(err, &md):
		d.Line = md.line
		d.Message = md.Error()
	default:
		msg := err.Error()
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			d.Line, _ = strconv.Atoi(m[1])
			msg = m[2]
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		d.Message = "not valid YAML: " + msg + "; a scenario is a YAML mapping that starts with 'apiVersion: " + APIVersion + "'"
	}
	return d
}

type decoder struct {
	r *reporter
}

// decode fills v from n. path is the field path of v; problems are reported, never returned, so that
// one pass finds them all.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, depth int) {
	if depth > maxDepth {
		d.errAt(n, path, "nested too deeply (more than %d levels)", maxDepth)
		return
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			d.errAt(n, path, "alias to nothing")
			return
		}
		n = n.Alias
	}
	d.r.pos[path] = pos{n.Line, n.Column}
	if isNull(n) {
		return // absent: the default applies
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		d.decode(n, elem.Elem(), path, depth+1)
		v.Set(elem)
	case reflect.Struct:
		d.decodeStruct(n, v, path, depth)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errAt(n, path, "expected a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.errAt(n, path, "expected a mapping of names to values, got %s", describe(n))
			return
		}
		m := reflect.MakeMap(v.Type())
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				d.errAt(k, path, "keys must be plain strings")
				continue
			}
			key := k.Value
			if m.MapIndex(reflect.ValueOf(key)).IsValid() {
				d.errAt(k, joinPath(path, key), "duplicate key %q", key)
				continue
			}
			ev := reflect.New(v.Type().Elem()).Elem()
			d.decode(val, ev, joinPath(path, key), depth+1)
			m.SetMapIndex(reflect.ValueOf(key), ev)
		}
		v.Set(m)
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.Tag == "!!bool" {
			d.errAt(n, path, "expected a string, got %s", describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Int, reflect.Int64:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			d.errAt(n, path, "expected a whole number, got %s", describe(n))
			return
		}
		i, err := strconv.ParseInt(n.Value, 0, 64)
		if err != nil || v.OverflowInt(i) {
			d.errAt(n, path, "%q is not a whole number this field can hold", n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.errAt(n, path, "expected true or false, got %s", describe(n))
			return
		}
		v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
	default:
		panic(fmt.Sprintf("plan: decoder cannot fill a %s", v.Type()))
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string, depth int) {
	if n.Kind != yaml.MappingNode {
		if path == "" {
			d.errAt(n, path, "a scenario must be a YAML mapping that starts with 'apiVersion: %s', got %s", APIVersion, describe(n))
		} else {
			d.errAt(n, path, "expected a mapping of fields, got %s", describe(n))
		}
		return
	}
	fields := structFields(v.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errAt(k, path, "keys must be plain field names")
			continue
		}
		name := k.Value
		fp := joinPath(path, name)
		if seen[name] {
			d.errAt(k, fp, "field %q is given twice", name)
			continue
		}
		seen[name] = true
		idx, ok := fields[name]
		if !ok {
			d.errAt(k, fp, "unknown field %q%s; allowed here: %s", name, suggest(name, fields), strings.Join(sortedKeys(fields), ", "))
			continue
		}
		d.decode(val, v.Field(idx), fp, depth+1)
	}
}

func (d *decoder) errAt(n *yaml.Node, path, format string, args ...any) {
	d.r.diags = append(d.r.diags, Diagnostic{File: d.r.file, Line: n.Line, Column: n.Column, Field: path, Severity: Error, Message: fmt.Sprintf(format, args...)})
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// describe names what a node is, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value + " (quote it if you meant a string)"
		case "!!str":
			return fmt.Sprintf("the string %q", n.Value)
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// structFields maps yaml keys to field indexes.
func structFields(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("yaml")
		name, _, _ := strings.Cut(tag, ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// suggest returns ` (did you mean "x"?)` for the closest candidate, when one is close.
func suggest[V any](name string, candidates map[string]V) string {
	best, bestD := "", 1<<30
	for _, c := range sortedKeys(candidates) {
		if dd := editDistance(strings.ToLower(name), strings.ToLower(c)); dd < bestD {
			best, bestD = c, dd
		}
	}
	if best != "" && bestD <= max(2, len(name)/3) {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
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
