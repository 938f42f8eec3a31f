// Package offlinetest holds the test helpers that component and stack tests
// share around the offline mock monitor, as net/http/httptest does for
// net/http: running a constructor offline, finding what it registered,
// reading nested inputs, and checking that invalid arguments are refused
// before anything is declared. Every helper fails the test at once (require)
// when what it is asked for is not there, so a test reads as a list of
// expectations rather than of lookups and type assertions.
package offlinetest

import (
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
