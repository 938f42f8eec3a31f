package stacks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/video-platform/video-platform/internal/topology"
)

// reader reads a stack's config keys into typed values. Where the SDK's
// config.TryObject would take a typo'd field or a string where a number
// belongs as the field's zero value, and json.Decoder would name only the
// key, the reader refuses them with the full path of the field, its value
// and what is accepted. Every problem of every key is collected, so that
// one run reports them all.
type reader struct {
	ctx  *pulumi.Context
	id   topology.Identity
	errs []error
	// present holds the paths ("copy.capacity.min", "schedules.web[0]")
	// that the config sets, so that a check can tell a field left out from
	// one set to its zero value.
	present map[string]bool
}

func newReader(ctx *pulumi.Context, id topology.Identity) *reader {
	return &reader{ctx: ctx, id: id, present: map[string]bool{}}
}

// raw returns the key's value, "" when it is unset. Pulumi.yaml declares
// every key with an empty default ("", {} or []), because a key without a
// default would be required in all 14 stacks; an empty value is therefore
// an unset key, and the defaults that matter live in the code.
func (r *reader) raw(key string) string {
	v, _ := r.ctx.GetConfig(ProjectName + ":" + key)
	if isEmpty(v) {
		return ""
	}
	return v
}

// isEmpty says whether a config value is one of Pulumi.yaml's empty
// defaults.
func isEmpty(raw string) bool {
	switch strings.TrimSpace(raw) {
	case "", "{}", "[]", "null":
		return true
	}
	return false
}

// object decodes key into out, which holds the defaults of whatever the
// config leaves out. A required key that is unset names the stack file to
// set it in, rather than reporting the empty value of one of its fields.
func (r *reader) object(key string, required bool, out any) {
	raw := r.raw(key)
	if raw == "" {
		if required {
			r.errs = append(r.errs, &ConfigError{Stack: r.id.Name, Key: ProjectName + ":" + key,
				Problem: fmt.Sprintf("is not set; set it in Pulumi.%s.yaml", r.id.Name)})
		}
		return
	}
	r.present[key] = true
	var doc any
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil || dec.More() {
		r.errs = append(r.errs, &ConfigError{Stack: r.id.Name, Key: ProjectName + ":" + key, Value: raw,
			Accepted: describe(reflect.TypeOf(out).Elem())})
		return
	}
	if errs := r.walk(doc, reflect.TypeOf(out).Elem(), key); len(errs) > 0 {
		r.errs = append(r.errs, errs...)
		return
	}
	// The walk has refused whatever the decoder would get wrong.
	if err := json.NewDecoder(bytes.NewReader([]byte(raw))).Decode(out); err != nil {
		r.errs = append(r.errs, &ConfigError{Stack: r.id.Name, Key: ProjectName + ":" + key, Value: raw,
			Accepted: describe(reflect.TypeOf(out).Elem()) + " (" + err.Error() + ")"})
	}
}

// text reads a plain string key; unset reads as "".
func (r *reader) text(key string) string {
	return r.raw(key)
}

// secret reads a secret string key, nil when it is unset. It is never
// read as plain text, so it stays a secret output wherever it goes.
func (r *reader) secret(key string) *pulumi.StringOutput {
	if r.raw(key) == "" {
		return nil
	}
	v := config.GetSecret(r.ctx, key)
	return &v
}

// err is every problem found so far.
func (r *reader) err() error { return errors.Join(r.errs...) }

// unset turns the value of a refused field that the config leaves out into
// (unset): "copy.release = (unset)" says what to do, `= ""` does not.
func (r *reader) unset(err error) error {
	var walk func(error)
	walk = func(e error) {
		switch t := e.(type) {
		case *ConfigError:
			path := strings.TrimPrefix(t.Key, ProjectName+":")
			if t.Problem == "" && !r.present[path] && r.present[topKey(path)] {
				t.Value = nil
			}
		case interface{ Unwrap() []error }:
			for _, inner := range t.Unwrap() {
				walk(inner)
			}
		}
	}
	if err != nil {
		walk(err)
	}
	return err
}

// topKey is the config key a path starts with: "copy" for
// "copy.capacity.min".
func topKey(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

// walk checks a decoded JSON value against the Go type it is read into and
// records the paths it sets. null is a value left out.
func (r *reader) walk(v any, t reflect.Type, path string) []error {
	if v == nil {
		return nil
	}
	r.present[path] = true
	refuse := func() []error {
		return []error{&ConfigError{Stack: r.id.Name, Key: ProjectName + ":" + path, Value: plain(v), Accepted: describe(t)}}
	}
	if t == reflect.TypeFor[json.RawMessage]() || t.Kind() == reflect.Interface {
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		return r.walk(v, t.Elem(), path)
	case reflect.String:
		if _, ok := v.(string); !ok {
			return refuse()
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return refuse()
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, ok := v.(json.Number)
		if !ok {
			return refuse()
		}
		if _, err := n.Int64(); err != nil {
			return refuse()
		}
	case reflect.Float64, reflect.Float32:
		if _, ok := v.(json.Number); !ok {
			return refuse()
		}
	case reflect.Slice:
		items, ok := v.([]any)
		if !ok {
			return refuse()
		}
		var errs []error
		for i, item := range items {
			errs = append(errs, r.walk(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return errs
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return refuse()
		}
		var errs []error
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			errs = append(errs, r.walk(obj[k], t.Elem(), path+"."+k)...)
		}
		return errs
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return refuse()
		}
		fields := jsonFields(t)
		var errs []error
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			ft, ok := fields[k]
			if !ok {
				errs = append(errs, &ConfigError{Stack: r.id.Name, Key: ProjectName + ":" + path + "." + k,
					Problem: "is not a field of " + ProjectName + ":" + path, Accepted: "its fields " + strings.Join(fieldNames(t), ", ")})
				continue
			}
			errs = append(errs, r.walk(obj[k], ft, path+"."+k)...)
		}
		return errs
	}
	return nil
}

// plain turns a decoded value back into what the config says: numbers as
// numbers, not as json.Number text.
func plain(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

// jsonFields maps the JSON names of a struct's fields, those of embedded
// structs included, to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported():
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			maps.Copy(out, jsonFields(f.Type))
		case name == "":
			out[f.Name] = f.Type
		default:
			out[name] = f.Type
		}
	}
	return out
}

// fieldNames lists a struct's JSON field names in declaration order.
func fieldNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported():
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			names = append(names, fieldNames(f.Type)...)
		case name == "":
			names = append(names, f.Name)
		default:
			names = append(names, name)
		}
	}
	return names
}

// describe says what a Go type accepts, in the words of the config.
func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return describe(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Slice:
		return "a list of " + plural(describe(t.Elem()))
	case reflect.Map:
		return "an object whose values are each " + describe(t.Elem())
	case reflect.Struct:
		return "an object with the fields " + strings.Join(fieldNames(t), ", ")
	}
	return "a value"
}

// plural turns "a string" into "strings" and "an object with ..." into
// "objects with ...", for "a list of".
func plural(s string) string {
	head, rest, _ := strings.Cut(s, " ")
	if head != "a" && head != "an" {
		return s
	}
	noun, tail, _ := strings.Cut(rest, " ")
	if tail != "" {
		tail = " " + tail
	}
	return noun + "s" + tail
}
