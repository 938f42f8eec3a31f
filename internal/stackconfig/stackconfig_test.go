package stackconfig

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600), "write %s", name)
}

func TestReadsByPathWithoutDecrypting(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "Pulumi.yaml", "name: video-platform\nruntime: go\nconfig:\n  live:\n    type: object\n    default: {}\n  canary:\n    type: object\n    default: {}\n")
	write(t, dir, "Pulumi.prod-dns.yaml", "config:\n  aws:region: eu-west-1\n  video-platform:live:\n    web: green\n    recorder: blue\n"+
		"  video-platform:hook:\n    secure: v1:abc:def\n")
	p, err := LoadProject(dir)
	require.NoError(t, err, "project")
	s, err := p.LoadStack("prod-dns")
	require.NoError(t, err, "stack")
	get := func(name string) (string, bool, error) {
		k, err := p.Key(name)
		require.NoError(t, err, "key %s", name)
		return s.String(k)
	}
	v, found, err := get("live.web")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, "green", v, "a path into an object")
	v, found, err = get("aws:region")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, "eu-west-1", v, "a namespaced key stays in its namespace")
	_, found, err = get("live.api")
	require.NoError(t, err)
	assert.False(t, found, "an unset path")
	_, _, err = get("hook")
	assert.ErrorContains(t, err, "is a secret", "a secret is refused, never decrypted")

	_, found, err = get("canary.web")
	require.NoError(t, err)
	assert.False(t, found, "no default yet")
	require.NoError(t, s.WithDefaults(p), "defaults")
	v, found, err = get("canary")
	require.NoError(t, err)
	assert.True(t, found, "the project's default fills in")
	assert.Equal(t, "{}", v, "objects come back as JSON")

	missing, err := p.LoadStack("prod-web-blue")
	require.NoError(t, err, "a missing stack file reads as empty")
	assert.Empty(t, missing.Map)
}

func TestLoadProjectNamesTheFile(t *testing.T) {
	_, err := LoadProject(t.TempDir())
	assert.ErrorContains(t, err, "Pulumi.yaml")
}
