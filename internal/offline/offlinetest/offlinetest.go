// Package offlinetest holds the test helpers that component and stack tests
// share around the offline mock monitor, as net/http/httptest does for
// net/http: running a constructor offline, finding what it registered,
// reading nested inputs, and checking that invalid arguments are refused
// before anything is declared. Every helper fails the test at once (require)
// when what it is asked for is not there, so a test reads as a list of
// expectations rather than of lookups and type assertions.
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

// Run renders program as stack and fails the test now if the run fails: the
// tests that call it are about what valid arguments declare.
func Run(t testing.TB, stack offline.Stack, program offline.Program) *offline.Result {
	t.Helper()
	res, err := offline.Run(stack, program)
	require.NoError(t, err, "offline run of stack %s", stack.Name)
	return res
}

// Find returns the resource with this type token and logical name, and fails
// the test now if it was not registered, so that the assertions after it
// never run against an empty resource.
func Find(t testing.TB, res *offline.Result, typ, name string) render.Resource {
	t.Helper()
	r, ok := res.Find(typ, name)
	require.True(t, ok, "%s %s is registered", typ, name)
	return r
}

// Input returns r's input at path, in render.Resource.Input's syntax such as
// "metadataOptions.httpTokens" or "tags[0].key", and fails the test now if
// the path does not exist. To assert that an input is absent, call
// r.Input directly.
func Input(t testing.TB, r render.Resource, path string) any {
	t.Helper()
	v, ok := r.Input(path)
	require.True(t, ok, "%s %s has input %s", r.Type, r.Name, path)
	return v
}

// RunRejected runs construct inside an offline run of stack that completes
// whatever construct returns, and hands back construct's error together with
// what was registered, so that the caller can assert that nothing was. It
// fails the test now if the run itself fails or construct returns no error:
// it is for arguments that must be refused.
func RunRejected(t testing.TB, stack offline.Stack, construct func(ctx *pulumi.Context) error) (*offline.Result, error) {
	t.Helper()
	var constructErr error
	res, err := offline.Run(stack, func(ctx *pulumi.Context) (pulumi.Map, error) {
		// The error is kept aside so that the run completes and shows what
		// construct registered before it gave up.
		constructErr = construct(ctx)
		return pulumi.Map{}, nil
	})
	require.NoError(t, err, "the run itself completes; only construct fails")
	require.Error(t, constructErr, "construct rejects its arguments or config")
	return res, constructErr
}

// RunFailing runs construct in an offline run of stack that returns
// construct's error, and returns the run's error. It fails the test now
// unless the run fails, and checks that a failed run returns no result: a
// constructor's error must stop the deployment, not only be reported.
func RunFailing(t testing.TB, stack offline.Stack, construct func(ctx *pulumi.Context) error) error {
	t.Helper()
	res, err := offline.Run(stack, func(ctx *pulumi.Context) (pulumi.Map, error) {
		return nil, construct(ctx)
	})
	require.Error(t, err, "the constructor's error fails the run")
	assert.Nil(t, res, "a failed run returns no result")
	return err
}

// Case is one row of a BadArgs table.
type Case[A any] struct {
	// Name names the subtest.
	Name string
	// Edit turns fresh valid arguments into invalid ones.
	Edit func(args *A)
	// Want are the substrings the error must contain, such as the field's
	// name and the accepted values.
	Want []string
}

// BadArgs is a table test of the arguments a component constructor must
// refuse. Every component validates its Args before it registers anything,
// so each case checks the same contract: the error names the component and
// the field, nothing is registered, and the error fails the run.
type BadArgs[A any] struct {
	// Stack is the offline stack the constructor runs in.
	Stack offline.Stack
	// Valid returns fresh valid arguments; each case edits its own copy.
	Valid func() *A
	// New calls the constructor under test with the edited arguments.
	New func(ctx *pulumi.Context, args *A) error
	// Component is what every error names, such as `queue "transcode"`.
	Component string
	// Check, when set, makes further assertions on every case's error, both
	// as the constructor returns it and as the failed run reports it.
	Check func(t *testing.T, err error)
}

// Run runs each case as a subtest. It checks that New refuses the edited
// arguments with an error that contains Component and every Want, that
// nothing is registered, and that returning the error fails the run with the
// same message.
func (b BadArgs[A]) Run(t *testing.T, cases []Case[A]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			args := b.Valid()
			tc.Edit(args)
			construct := func(ctx *pulumi.Context) error { return b.New(ctx, args) }

			res, err := RunRejected(t, b.Stack, construct)
			assert.Contains(t, err.Error(), b.Component, "the error names the component")
			for _, w := range tc.Want {
				assert.Contains(t, err.Error(), w, "the error names the field and the accepted values")
			}
			assert.Empty(t, res.Resources, "a validation failure registers nothing")
			if b.Check != nil {
				b.Check(t, err)
			}

			runErr := RunFailing(t, b.Stack, construct)
			assert.Contains(t, runErr.Error(), err.Error(), "the run fails with the constructor's error")
			if b.Check != nil {
				b.Check(t, runErr)
			}
		})
	}
}

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
	_, res := h.Declared(t, name, args)
	return res
}

// Declared declares the component as Run does and also returns it, so that
// a test can look at the children it exposes.
func (h Component[A, C]) Declared(t testing.TB, name string, args *A) (*C, *offline.Result) {
	t.Helper()
	var comp *C
	res := Run(t, h.Stack, func(ctx *pulumi.Context) (pulumi.Map, error) {
		var err error
		if comp, err = h.New(ctx, name, args); err != nil {
			return nil, err
		}
		return outputFields(comp), nil
	})
	return comp, res
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

// Exposes checks that each named field of a component holds a child: a
// non-nil resource, or a non-empty map or list of them.
func Exposes(t testing.TB, comp any, fields ...string) {
	t.Helper()
	v := reflect.Indirect(reflect.ValueOf(comp))
	for _, name := range fields {
		f := v.FieldByName(name)
		if !assert.True(t, f.IsValid(), "%s has a field %s", v.Type(), name) {
			continue
		}
		switch f.Kind() {
		case reflect.Map, reflect.Slice:
			assert.NotZero(t, f.Len(), "%s.%s holds the children", v.Type(), name)
		default:
			assert.False(t, f.IsNil(), "%s.%s is the child", v.Type(), name)
		}
	}
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
