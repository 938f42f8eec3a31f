// Package previewtest tests .ci/offline-preview.sh, the offline pull-request
// preview that CI and engineers share, against a scratch copy of this repo.
package previewtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoRoot is the checkout this test runs in.
func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	require.NoError(t, err, "finding the repository root with git")
	return strings.TrimSpace(string(out))
}

// git runs git in dir and returns its trimmed standard output.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...) //nolint:gosec // the tests run git with arguments they build themselves
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=preview test", "GIT_AUTHOR_EMAIL=preview@test.invalid",
		"GIT_COMMITTER_NAME=preview test", "GIT_COMMITTER_EMAIL=preview@test.invalid",
		"GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "git %v: %s", args, stderr.String())
	return strings.TrimSpace(string(out))
}

// scratchRepo copies the files this checkout would commit (tracked files,
// with their current content, and untracked files that are not ignored)
// into a new repository with one commit, and returns its directory.
func scratchRepo(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	list := git(t, root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	dir := t.TempDir()
	for _, rel := range strings.Split(list, "\x00") {
		if rel == "" {
			continue
		}
		data, err := os.ReadFile(filepath.Clean(filepath.Join(root, rel)))
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the checkout, not yet committed
		}
		require.NoError(t, err, "reading %s", rel)
		info, err := os.Stat(filepath.Join(root, rel))
		require.NoError(t, err, "stat %s", rel)
		dst := filepath.Join(dir, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o750), "creating the directory of %s", rel)
		require.NoError(t, os.WriteFile(dst, data, info.Mode().Perm()), "copying %s", rel) //nolint:gosec // keeps the tracked file's mode (scripts stay executable); G703 taints the contents, not the path under t.TempDir()
	}
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "base")
	return dir
}

// rewrite replaces the first match of pattern in a file of the scratch repo,
// and fails when there is none: the fixture depends on the config's shape.
func rewrite(t *testing.T, dir, file, pattern, replacement string) {
	t.Helper()
	path := filepath.Clean(filepath.Join(dir, file))
	data, err := os.ReadFile(path)
	require.NoError(t, err, "reading %s", file)
	re := regexp.MustCompile(pattern)
	loc := re.FindSubmatchIndex(data)
	require.NotNil(t, loc, "%s no longer matches %q; update this test's fixture", file, pattern)
	var out []byte
	out = append(out, data[:loc[0]]...)
	out = re.Expand(out, []byte(replacement), data, loc)
	out = append(out, data[loc[1]:]...)
	require.NoError(t, os.WriteFile(path, out, 0o600), "writing %s", file) //nolint:gosec // G703 taints the rewritten contents, not the path in the scratch repo
}

// The prod config lines the swap fixture sets: the web entry of the DNS
// stack's live map, and the green web copy's capacity.
const (
	liveWeb       = `(?m)^(  video-platform:live:\n(?:    .*\n)*?    web: )\w+`
	greenCapacity = `capacity: \{[^}\n]*\}`
)

type preview struct {
	code   int
	stdout string
	stderr string
}

// runPreview runs the script of the scratch repo on two refs. TMPDIR points
// at a directory the test checks for leftovers.
func runPreview(t *testing.T, dir, tmp string, args ...string) preview {
	t.Helper()
	cmd := exec.Command("bash", append([]string{filepath.Join(dir, ".ci", "offline-preview.sh")}, args...)...) //nolint:gosec // the tests run the scratch repo's own script with refs and paths they build themselves
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	p := preview{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		p.code = exit.ExitCode()
	} else {
		require.NoError(t, err, "running the script")
	}
	return p
}

// mandatory counts a render's mandatory policy violations.
func mandatory(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Clean(path))
	require.NoError(t, err, "reading %s", path)
	var env struct {
		Stacks []struct {
			Violations []struct {
				Level string `json:"level"`
			} `json:"violations"`
		} `json:"stacks"`
	}
	require.NoError(t, json.Unmarshal(data, &env), "%s is a render", path)
	n := 0
	for _, s := range env.Stacks {
		for _, v := range s.Violations {
			if v.Level == "mandatory" {
				n++
			}
		}
	}
	return n
}

// section returns the collapsible section of one stack in the markdown.
func section(md, stack string) string {
	start := strings.Index(md, "<details><summary>"+stack+":")
	if start < 0 {
		return ""
	}
	end := strings.Index(md[start:], "</details>")
	if end < 0 {
		return md[start:]
	}
	return md[start : start+end]
}

var summaryLine = regexp.MustCompile(`^(staging|prod): \d+ to change, \d+ to add, \d+ to remove`)

func TestOfflinePreviewOfASwap(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: builds the infra command in a scratch copy of the repo (about a minute)")
	}
	dir := scratchRepo(t)
	// The base: web live on blue, the green copy idle, whatever the
	// checkout's config says today.
	rewrite(t, dir, "Pulumi.prod-dns.yaml", liveWeb, "${1}blue")
	rewrite(t, dir, "Pulumi.prod-web-green.yaml", greenCapacity, "capacity: {min: 0, max: 0, desired: 0}")
	git(t, dir, "commit", "-q", "-am", "web live on blue, green idle")
	base := git(t, dir, "rev-parse", "HEAD")

	// Make web live on green; the DNS stack refuses to send traffic to an
	// idle copy, so green gets capacity in the same change.
	rewrite(t, dir, "Pulumi.prod-dns.yaml", liveWeb, "${1}green")
	rewrite(t, dir, "Pulumi.prod-web-green.yaml", greenCapacity, "capacity: {min: 3, max: 12, desired: 3}")
	git(t, dir, "commit", "-q", "-am", "swap web to green")
	head := git(t, dir, "rev-parse", "HEAD")

	tmp := t.TempDir()
	out := filepath.Join(t.TempDir(), "preview")
	p := runPreview(t, dir, tmp, base, head, out)
	t.Logf("offline-preview.sh exited %d\nstdout:\n%s\nstderr:\n%s", p.code, p.stdout, p.stderr)

	for _, env := range []string{"staging", "prod"} {
		for _, suffix := range []string{".old.json", ".new.json", ".md"} {
			assert.FileExists(t, filepath.Join(out, env+suffix), "the script writes %s%s", env, suffix)
		}
	}
	violations := mandatory(t, filepath.Join(out, "staging.new.json")) + mandatory(t, filepath.Join(out, "prod.new.json"))
	if violations > 0 {
		assert.Equal(t, 1, p.code, "the head has %d mandatory violations, so the script fails", violations)
	} else {
		assert.Equal(t, 0, p.code, "no mandatory violations at the head, so the script succeeds")
	}

	data, err := os.ReadFile(filepath.Clean(filepath.Join(out, "prod.md")))
	require.NoError(t, err, "reading prod.md")
	md := string(data)
	t.Logf("prod.md:\n%s", md)

	firstLine, _, _ := strings.Cut(md, "\n")
	assert.Equal(t, "web: blue → green", firstLine, "the swap comes first")
	assert.Regexp(t, `(?m)^- green \(live after this change\): release \S+, capacity 3 \(min 3, max 12\)`, md, "with the capacity the green copy takes it with")
	assert.Regexp(t, regexp.MustCompile(`(?m)`+summaryLine.String()), md, "the summary line follows")
	assert.NotContains(t, md, "\x1b[", "no ANSI escape codes in a pull-request comment")
	assert.Less(t, len(md), 60000, "the comment stays under GitHub's limit with room to spare")

	dns := section(md, "prod-dns")
	require.NotEmpty(t, dns, "prod.md has a prod-dns section")
	assert.Regexp(t, `Record web-blue\S*\n\s+~ \S*weight: 100 → 0`, dns, "the blue web record's weight goes from 100 to 0")
	assert.Regexp(t, `Record web-green\S*\n\s+~ \S*weight: 0 → 100`, dns, "the green web record's weight goes from 0 to 100")
	assert.NotContains(t, dns, "Record recorder-", "the recorder's records do not change")

	green := section(md, "prod-web-green")
	require.NotEmpty(t, green, "prod.md has a prod-web-green section")
	assert.Regexp(t, `desiredCapacity: 0 → 3`, green, "the green copy's desired capacity goes from 0 to 3")
	assert.Regexp(t, `maxSize: 0 → 12`, green, "the green copy's max size goes from 0 to 12")
	assert.Regexp(t, `minSize: 0 → 3`, green, "the green copy's min size goes from 0 to 3")

	staging, err := os.ReadFile(filepath.Clean(filepath.Join(out, "staging.md")))
	require.NoError(t, err, "reading staging.md")
	assert.Regexp(t, `^staging: 0 to change, 0 to add, 0 to remove`, string(staging), "staging has no changes")

	assert.Equal(t, head, git(t, dir, "rev-parse", "HEAD"), "the checkout is not moved")
	assert.Equal(t, 1, len(strings.Split(git(t, dir, "worktree", "list", "--porcelain"), "\n\n")), "the worktrees are removed")
	left, err := os.ReadDir(tmp)
	require.NoError(t, err, "reading TMPDIR")
	assert.Empty(t, left, "the script's temporary directory is removed")
}

// TestOfflinePreviewOfARefusedConfig commits a typo in a copy's config: the
// head renders only the refused value, and the comment leads with it.
func TestOfflinePreviewOfARefusedConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: builds the infra command in a scratch copy of the repo (about a minute)")
	}
	dir := scratchRepo(t)
	base := git(t, dir, "rev-parse", "HEAD")
	rewrite(t, dir, "Pulumi.prod-web-green.yaml", `(?m)^(    )release:`, "${1}relase:")
	git(t, dir, "commit", "-q", "-am", "a typo in the green copy's config")
	head := git(t, dir, "rev-parse", "HEAD")

	out := filepath.Join(t.TempDir(), "preview")
	p := runPreview(t, dir, t.TempDir(), base, head, out)
	t.Logf("offline-preview.sh exited %d\nstdout:\n%s\nstderr:\n%s", p.code, p.stdout, p.stderr)

	assert.Equal(t, 1, p.code, "a refused config fails the preview")
	assert.Contains(t, p.stderr, "prod: the head's config is refused", "and says why")
	md, err := os.ReadFile(filepath.Clean(filepath.Join(out, "prod.md")))
	require.NoError(t, err, "the comment is written all the same")
	firstLine, _, _ := strings.Cut(string(md), "\n")
	assert.Equal(t, "Config error in prod-web-green: video-platform:copy.relase", firstLine, "the comment leads with the refused key")
	assert.Contains(t, string(md), "config video-platform:copy.relase is not a field of video-platform:copy; accepted: its fields release,", "and the stack's explanation")
	assert.Contains(t, string(md), "_Offline preview of `prod`", "with the footer")
	staging, err := os.ReadFile(filepath.Clean(filepath.Join(out, "staging.md")))
	require.NoError(t, err, "reading staging.md")
	assert.Regexp(t, `^staging: 0 to change, 0 to add, 0 to remove`, string(staging), "staging is unaffected")
}

// TestOfflinePreviewFirstPullRequest renders against a base that has no
// infra command: its render is empty, so everything shows as added.
func TestOfflinePreviewFirstPullRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: builds the infra command in a scratch copy of the repo (about a minute)")
	}
	dir := scratchRepo(t)
	head := git(t, dir, "rev-parse", "HEAD")
	// A root commit holding only the README: the repository before the code.
	blob := git(t, dir, "rev-parse", "HEAD:README.md")
	cmd := exec.Command("git", "mktree")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader("100644 blob " + blob + "\tREADME.md\n")
	treeOut, err := cmd.Output()
	require.NoError(t, err, "making a tree with only the README")
	base := git(t, dir, "commit-tree", strings.TrimSpace(string(treeOut)), "-m", "readme only")

	out := filepath.Join(t.TempDir(), "preview")
	p := runPreview(t, dir, t.TempDir(), base, head, out)
	t.Logf("offline-preview.sh exited %d\nstdout:\n%s\nstderr:\n%s", p.code, p.stdout, p.stderr)
	assert.Contains(t, p.stderr, "the base has no infra command", "the script says why the old render is empty")

	old, err := os.ReadFile(filepath.Clean(filepath.Join(out, "prod.old.json")))
	require.NoError(t, err, "reading prod.old.json")
	var empty struct {
		SchemaVersion int    `json:"schemaVersion"`
		Env           string `json:"env"`
		Stacks        []any  `json:"stacks"`
	}
	require.NoError(t, json.Unmarshal(old, &empty), "the old render is JSON")
	assert.Equal(t, "prod", empty.Env, "the old render is prod's")
	assert.Empty(t, empty.Stacks, "the old render is empty")
	assert.Positive(t, empty.SchemaVersion, "at the head's schema version, so that infra diff compares it")
	md, err := os.ReadFile(filepath.Clean(filepath.Join(out, "prod.md")))
	require.NoError(t, err, "reading prod.md")
	assert.Regexp(t, `^prod: 0 to change, [1-9]\d* to add, 0 to remove`, string(md), "everything is added")
	assert.Contains(t, string(md), "new stack", "stacks are marked new")
}

func TestOfflinePreviewUsage(t *testing.T) {
	root := repoRoot(t)
	p := runPreview(t, root, t.TempDir(), "only-one-arg")
	assert.Equal(t, 2, p.code, "a wrong argument count is a usage error")
	assert.Contains(t, p.stderr, "usage:", "the usage is printed")

	p = runPreview(t, root, t.TempDir(), "no-such-ref-xyz", "HEAD", t.TempDir())
	assert.Equal(t, 2, p.code, "an unknown base ref is a usage error")
	assert.Contains(t, p.stderr, "no-such-ref-xyz", "the error names the ref")
}
