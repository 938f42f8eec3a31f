package stacks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// ConfigError is a bad config value. It names the stack, the key, the value
// and what is accepted, so the person running `pulumi up` can fix it at once.
type ConfigError struct {
	// Stack is the stack whose config is bad.
	Stack string
	// Key is the fully qualified key with a path, e.g. "video-platform:capacity.min".
	Key string
	// Value is the bad value as written.
	Value any
	// Accepted says what would be accepted.
	Accepted string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("stack %s: config %s = %s is not accepted; accepted: %s", e.Stack, e.Key, show(e.Value), e.Accepted)
}

func show(v any) string {
	switch t := v.(type) {
	case nil:
		return "(unset)"
	case string:
		return fmt.Sprintf("%q", t)
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Sprint(t)
		}
		return string(b)
	}
}

// checker collects every config problem of a stack so that one run reports
// them all, and nothing is declared until all are fixed.
type checker struct {
	stack string
	errs  []error
}

func (c *checker) fail(key string, value any, accepted string) {
	c.errs = append(c.errs, &ConfigError{Stack: c.stack, Key: ProjectName + ":" + key, Value: value, Accepted: accepted})
}

func (c *checker) intRange(key string, v, lo, hi int) {
	if v < lo || v > hi {
		c.fail(key, v, fmt.Sprintf("an integer from %d to %d", lo, hi))
	}
}

func (c *checker) oneOf(key, v string, accepted ...string) {
	for _, a := range accepted {
		if v == a {
			return
		}
	}
	c.fail(key, v, "one of "+strings.Join(accepted, ", "))
}

func (c *checker) err() error { return errors.Join(c.errs...) }

// ProjectName is the Pulumi project, and so the config namespace.
const ProjectName = "video-platform"

// readObject decodes a structured config key into a typed struct. It is
// strict where config.TryObject is lenient: an unknown field is a typo that
// would otherwise silently fall back to a default.
func readObject(ctx *pulumi.Context, stack, key string, required bool, out any) error {
	raw, err := config.Try(ctx, key)
	if err != nil {
		if !required {
			return nil
		}
		return &ConfigError{Stack: stack, Key: ProjectName + ":" + key, Value: nil,
			Accepted: "a value; set it with `pulumi config set --path " + key + "... -s " + stack + "`"}
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return &ConfigError{Stack: stack, Key: ProjectName + ":" + key, Value: raw,
			Accepted: fmt.Sprintf("a value of the documented shape (%v)", err)}
	}
	return nil
}

// readString reads a plain string key; an absent key reads as "".
func readString(ctx *pulumi.Context, key string) string {
	return config.Get(ctx, key)
}
