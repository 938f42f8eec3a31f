package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestComponentsDocIsCurrent fails when a component's Args or outputs
// changed without the reference being regenerated.
func TestComponentsDocIsCurrent(t *testing.T) {
	want, err := Generate(filepath.Join("..", "..", "components"))
	require.NoError(t, err, "generating the components reference")
	got, err := os.ReadFile(filepath.Join("..", "..", "docs", "components.md"))
	require.NoError(t, err, "reading docs/components.md; run `go generate ./components/...` to create it")
	if !bytes.Equal(got, want) {
		line, committed, generated := firstDifference(string(got), string(want))
		t.Fatalf("docs/components.md is stale: run `go generate ./components/...` and commit the result.\n"+
			"first difference at line %d:\n  committed: %q\n  generated: %q", line, committed, generated)
	}
}

func firstDifference(a, b string) (int, string, string) {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y || i >= len(al) || i >= len(bl) {
			return i + 1, x, y
		}
	}
	return 0, "", ""
}

func TestFirstDifference(t *testing.T) {
	line, a, b := firstDifference("x\ny\nz", "x\nY\nz")
	assert.Equal(t, 2, line, "the differing line number")
	assert.Equal(t, "y", a, "the committed line")
	assert.Equal(t, "Y", b, "the generated line")
	line, _, b = firstDifference("x", "x\nmore")
	assert.Equal(t, 2, line, "an extra generated line is a difference")
	assert.Equal(t, "more", b, "the extra line")
}

func TestLoadFixture(t *testing.T) {
	comps, err := Load(filepath.Join("testdata", "good"))
	require.NoError(t, err, "loading the fixture components")
	require.Len(t, comps, 1, "only widget is a component; a directory without Go files is skipped")
	c := comps[0]

	assert.Equal(t, "widget", c.Package, "package name")
	assert.Equal(t, "Widget", c.Type, "the struct embedding pulumi.ResourceState, not the test file's")
	assert.Equal(t, "video-platform:test:Widget", c.TypeToken, "the token is resolved through the TypeToken constant")
	assert.Equal(t, "Package widget is a fixture component for the docgen tests.", c.Synopsis, "package synopsis")
	assert.Equal(t, "func NewWidget(ctx *pulumi.Context, name string, args *WidgetArgs, opts ...pulumi.ResourceOption) (*Widget, error)",
		c.Constructor, "constructor signature without its body")
	assert.Equal(t, "NewWidget declares a widget.", c.ConstructorDoc, "constructor doc")

	require.NotNil(t, c.Args, "WidgetArgs is found")
	var names []string
	byName := map[string]Field{}
	for _, f := range c.Args.Fields {
		names = append(names, f.Name)
		byName[f.Name] = f
	}
	assert.Equal(t, []string{"Env", "Identity", "Min", "Max", "Sizes", "Mode", "Inline", "Zone", "Undocumented"}, names,
		"exported fields in source order, each name of a multi-name field, an embedded one under its type's name, no unexported field")
	assert.Equal(t, "contract.Identity", byName["Identity"].Type, "the embedded type")
	assert.Equal(t, "Env is the environment, spread over two lines.", byName["Env"].Doc, "doc lines joined into one")
	assert.Equal(t, "Sizes is documented by a line comment.", byName["Sizes"].Doc, "line comment used when there is no doc")
	assert.Equal(t, "[]Size", byName["Sizes"].Type, "slice type printed as written")
	assert.Equal(t, "struct { A int }", byName["Inline"].Type, "inline struct printed on one line")
	assert.Equal(t, "pulumi.StringInput", byName["Zone"].Type, "qualified type")
	assert.Equal(t, byName["Min"].Doc, byName["Max"].Doc, "both names share the doc")

	var related []string
	for _, r := range c.Related {
		related = append(related, r.Name)
	}
	assert.Equal(t, []string{"Size", "Mode", "Deep"}, related,
		"types used by the Args, breadth first, including ones reached through another type, but not Unused")
	assert.Equal(t, "string", c.Related[1].Underlying, "a non-struct type shows its definition")

	require.Len(t, c.Outputs, 1, "one exported output, the unexported field is left out")
	assert.Equal(t, Field{Name: "Arn", Type: "pulumi.StringOutput", Doc: "Arn is the widget's ARN."}, c.Outputs[0], "the output field")
}

func TestRenderFixture(t *testing.T) {
	text, err := Generate(filepath.Join("testdata", "good"))
	require.NoError(t, err, "generating the fixture reference")
	md := string(text)

	assert.True(t, strings.HasPrefix(md, "<!-- Code generated"), "the generated marker comes first")
	assert.Contains(t, md, "| [`widget.Widget`](#widgetwidget) | `video-platform:test:Widget` |", "index row with anchor and token")
	assert.Contains(t, md, "### Inputs: `WidgetArgs`", "inputs heading")
	assert.Contains(t, md, "| `Min` | `int` | Min and Max bound the size: 0\\|1 are both fine. |", "pipes in docs are escaped")
	assert.Contains(t, md, "| `Undocumented` | `bool` | _undocumented_ |", "a missing doc is visible")
	assert.Contains(t, md, "#### `Deep`", "nested type section")
	assert.Contains(t, md, "Defined as `string`.", "non-struct type")
	assert.Contains(t, md, "### Outputs: `Widget`", "outputs heading")
	assert.Contains(t, md, "| `Arn` | `pulumi.StringOutput` | Arn is the widget's ARN. |", "output row")
	assert.NotContains(t, md, "Unused", "types the Args do not use are left out")
	assert.NotContains(t, md, "hidden", "unexported fields are left out")
	assert.NotContains(t, md, "TestOnly", "test files are not read")
	assert.True(t, strings.HasSuffix(md, "|\n"), "ends with the last table row")
	assert.False(t, strings.HasSuffix(md, "\n\n"), "no trailing blank line")
}

func TestLoadErrors(t *testing.T) {
	_, err := Load(filepath.Join("testdata", "nocomponent"))
	require.Error(t, err, "a package without a ComponentResource is an error")
	assert.Contains(t, err.Error(), "components/plain", "the error names the directory")
	assert.Contains(t, err.Error(), "pulumi.ResourceState", "the error says what is missing")

	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "bad"), 0o750), "making a package dir")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad", "bad.go"), []byte("package bad\n\nfunc {\n"), 0o600), "writing a broken file")
	_, err = Load(dir)
	require.Error(t, err, "a syntax error is reported")
	assert.Contains(t, err.Error(), "components/bad", "the error names the directory")

	_, err = Load(filepath.Join(dir, "missing"))
	assert.Error(t, err, "a missing directory is an error")
}

func TestLoadTwoComponents(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "two"), 0o750), "making a package dir")
	src := "package two\n\ntype A struct{ pulumi.ResourceState }\n\ntype B struct{ pulumi.ResourceState }\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "two", "two.go"), []byte(src), 0o600), "writing the package")
	_, err := Load(dir)
	require.Error(t, err, "two component structs in one package are refused")
	assert.Contains(t, err.Error(), "two ComponentResource structs", "the error says why")
}

func TestRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "components.md")
	var stdout, stderr bytes.Buffer
	code := run([]string{"-dir", filepath.Join("testdata", "good"), "-out", out}, &stdout, &stderr)
	require.Equal(t, 0, code, "run succeeds: %s", stderr.String())
	written, err := os.ReadFile(filepath.Clean(out))
	require.NoError(t, err, "the output file is written")
	want, err := Generate(filepath.Join("testdata", "good"))
	require.NoError(t, err, "generating for comparison")
	assert.Equal(t, string(want), string(written), "the file holds the generated reference")

	stdout.Reset()
	code = run([]string{"-dir", filepath.Join("testdata", "good")}, &stdout, &stderr)
	assert.Equal(t, 0, code, "writing to standard output succeeds")
	assert.Equal(t, string(want), stdout.String(), "standard output holds the reference")

	stderr.Reset()
	assert.Equal(t, 2, run([]string{"extra"}, &stdout, &stderr), "positional arguments are a usage error")
	assert.Contains(t, stderr.String(), "unexpected arguments", "the usage error says why")
	assert.Equal(t, 2, run([]string{"-nope"}, &stdout, &stderr), "an unknown flag is a usage error")

	stderr.Reset()
	assert.Equal(t, 1, run([]string{"-dir", filepath.Join("testdata", "nocomponent")}, &stdout, &stderr), "a bad package fails")
	assert.Contains(t, stderr.String(), "docgen:", "the failure is reported")

	stderr.Reset()
	bad := filepath.Join(t.TempDir(), "missing", "components.md")
	assert.Equal(t, 1, run([]string{"-dir", filepath.Join("testdata", "good"), "-out", bad}, &stdout, &stderr), "an unwritable output fails")
	assert.Contains(t, stderr.String(), "docgen:", "the write failure is reported")
}
