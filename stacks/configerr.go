package stacks

import (
	"github.com/video-platform/video-platform/internal/topology"

	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/video-platform/video-platform/internal/contract"
)

// ConfigError is a stack that cannot run with its config: a bad value, a
// key that is not set or does not belong to the stack, or a stack it reads
// that is not deployed. It names the stack, the key and what to do, so the
// person running `pulumi up` can fix it at once; `infra synth` exits 2 on
// it, never 1, which means a policy violation.
type ConfigError struct {
	// Stack is the stack whose config is bad.
	Stack string
	// Key is the fully qualified key with a path, e.g.
	// "video-platform:copy.capacity.min"; "" when the problem is not one
	// key's (a stack read before it is deployed).
	Key string
	// Value is the bad value as written; nil when it is not set.
	Value any
	// Accepted says what would be accepted.
	Accepted string
	// Problem, when set, says what is wrong in place of "= <value> is not
	// accepted": the key is not set, is not a key of this stack, or the
	// stack reads another that is not deployed.
	Problem string
}

func (e *ConfigError) Error() string {
	msg := "stack " + e.Stack
	if e.Key != "" {
		msg += ": config " + e.Key
	}
	if e.Problem == "" {
		return fmt.Sprintf("%s = %s is not accepted; accepted: %s", msg, show(e.Value), e.Accepted)
	}
	msg += " " + e.Problem
	if e.Accepted != "" {
		msg += "; accepted: " + e.Accepted
	}
	return msg
}

// show writes a value as it would be written in the config: JSON, except
// that an unset value says so.
func show(v any) string {
	if v == nil {
		return "(unset)"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// checker collects every config problem of a stack so that one run reports
// them all, and nothing is declared until all are fixed. A key is reported
// once, by the first check that refuses it: the stacks check their own
// rules first, then the components', which often refuse the same value for
// the same reason.
type checker struct {
	stack  string
	errs   []error
	failed map[string]bool
}

func newChecker(stack string) *checker {
	return &checker{stack: stack, failed: map[string]bool{}}
}

func (c *checker) fail(key string, value any, accepted string) {
	if c.failed[key] {
		return
	}
	c.failed[key] = true
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

// component maps the fields a component's Validate refused onto the config
// keys they come from. keys maps an Args field ("Scaling.Metric") to its
// key, or the field a value is part of to the key of the whole, the index
// or sub-field after it carried over ("InstanceTypes[2]" is
// transcoders.instanceTypes[2], "Existing.PrivateSubnetIDs[2]" is
// network.existing.privateSubnetIds[2]); the longest field that has a key
// wins. A Pulumi input left unset is no config problem: the stack sets it
// from other resources once they exist. A field no config key sets is a bug
// of the stack, not a config problem.
func (c *checker) component(name string, refused error, keys map[string]string) {
	for _, fe := range contract.FieldErrors(refused) {
		if fe.Input {
			continue
		}
		if key, ok := configKey(fe.Field, keys); ok {
			c.fail(key, fe.Value, fe.Accepted)
		} else {
			c.errs = append(c.errs, fmt.Errorf("stack %s: %s refuses %w, and no config key sets %s", c.stack, name, fe, fe.Field))
		}
	}
}

// configKey is the config key of an Args field: the key of the field or of
// the longest field it is part of, followed by what follows that field.
func configKey(field string, keys map[string]string) (string, bool) {
	for end := len(field); end > 0; end = strings.LastIndexAny(field[:end], "[.") {
		if key, ok := keys[field[:end]]; ok {
			return key + field[end:], true
		}
	}
	return "", false
}

func (c *checker) err() error { return errors.Join(c.errs...) }

// ProjectName is the Pulumi project, and so the config namespace.
const ProjectName = topology.ProjectName
