package offlinetest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/render"
)

// Component is the one harness every component test declares its
// component through: the stack to run in and the constructor, from which
// it runs the component with valid arguments, runs it with arguments that
// must be refused, and checks a table of refused arguments.
//
//	var pool = offlinetest.Component[AsgPoolArgs, AsgPool]{Stack: offline.Stack{Name: "prod-test"}, New: NewAsgPool}
//	res := pool.Run(t, "web-blue", webArgs())
type Component[A, C any] struct {
	// Stack is the offline stack the component is declared in.
	Stack offline.Stack
	// New is the component's constructor, such as asgpool.NewAsgPool.
	New func(ctx *pulumi.Context, name string, args *A, opts ...pulumi.ResourceOption) (*C, error)
}

// Run declares the component as name with args and fails the test now if
// the run fails. The run's outputs are the component's exported Output
// fields, keyed by field name ("GroupName"), so that a test can check what
// the component hands its caller without listing them.
func (h Component[A, C]) Run(t testing.TB, name string, args *A) *offline.Result {
	t.Helper()
	return Run(t, h.Stack, func(ctx *pulumi.Context) (pulumi.Map, error) {
		comp, err := h.New(ctx, name, args)
		if err != nil {
			return nil, err
		}
		return outputFields(comp), nil
	})
}

// Construct is a program body that declares the component and keeps only
// its error, for RunRejected, RunFailing and runs that declare more.
func (h Component[A, C]) Construct(name string, args *A) func(ctx *pulumi.Context) error {
	return func(ctx *pulumi.Context) error {
		_, err := h.New(ctx, name, args)
		return err
	}
}

// Rejected declares the component with arguments it must refuse, and
// returns its error and what was registered (see RunRejected).
func (h Component[A, C]) Rejected(t testing.TB, name string, args *A) (*offline.Result, error) {
	t.Helper()
	return RunRejected(t, h.Stack, h.Construct(name, args))
}

// Failing declares the component with arguments it must refuse in a run
// that returns the error, and returns the run's error (see RunFailing).
func (h Component[A, C]) Failing(t testing.TB, name string, args *A) error {
	t.Helper()
	return RunFailing(t, h.Stack, h.Construct(name, args))
}

// BadArgs runs a table of refused arguments against the component declared
// as name (see BadArgs): each error names the component as
// `<package> "<name>"`, where package is the constructor's package.
func (h Component[A, C]) BadArgs(t *testing.T, name string, valid func() *A, cases []Case[A]) {
	t.Helper()
	BadArgs[A]{
		Stack:     h.Stack,
		Valid:     valid,
		New:       func(ctx *pulumi.Context, a *A) error { return h.Construct(name, a)(ctx) },
		Component: fmt.Sprintf("%s %q: ", packageOf[C](), name),
	}.Run(t, cases)
}

// packageOf is the name of the package that declares C.
func packageOf[C any]() string {
	path := reflect.TypeFor[C]().PkgPath()
	return path[strings.LastIndex(path, "/")+1:]
}

// outputFields are the exported fields of a component struct whose values
// are Pulumi outputs, keyed by field name.
func outputFields(comp any) pulumi.Map {
	out := pulumi.Map{}
	v := reflect.ValueOf(comp).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.IsExported() || f.Anonymous {
			continue
		}
		if o, ok := v.Field(i).Interface().(pulumi.Output); ok && o != nil {
			out[f.Name] = o
		}
	}
	return out
}

// HasInputs checks each of r's inputs at the paths of want (in
// render.Resource.Input's syntax) against the wanted value, and nothing
// else: a test states the properties it is about, and an input the
// component adds later does not break it.
func HasInputs(t testing.TB, r render.Resource, want map[string]any) {
	t.Helper()
	for path, v := range want {
		got, ok := r.Input(path)
		if assert.True(t, ok, "%s %s has input %s", r.Type, r.Name, path) {
			assert.Equal(t, v, got, "%s %s input %s", r.Type, r.Name, path)
		}
	}
}

// Children are the resources registered with parent as their parent, in
// URN order.
func Children(res *offline.Result, parent render.Resource) []render.Resource {
	var out []render.Resource
	for _, r := range res.Resources {
		if r.Parent == parent.URN {
			out = append(out, r)
		}
	}
	return out
}

// Object returns v as a JSON object and fails the test now when it is not
// one.
func Object(t testing.TB, v any, what string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	require.True(t, ok, "%s is an object, got %#v", what, v)
	return m
}

// List returns v as a JSON list and fails the test now when it is not one.
func List(t testing.TB, v any, what string) []any {
	t.Helper()
	l, ok := v.([]any)
	require.True(t, ok, "%s is a list, got %#v", what, v)
	return l
}
