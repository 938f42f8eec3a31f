package rehearse

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// awsModule is the pulumi-aws SDK module whose version the engine asks the
// provider plugin for.
const awsModule = "github.com/pulumi/pulumi-aws/sdk/v6"

// pluginPackage is the stand-in provider's main package.
const pluginPackage = "./internal/standin/cmd/pulumi-resource-aws"

// AWSPluginVersion reads the pulumi-aws SDK version from the project's
// go.mod ("6.83.0"): the program's resources ask the engine for exactly
// that plugin version.
func AWSPluginVersion(root string) (string, error) {
	f, err := os.Open(filepath.Join(root, "go.mod")) //nolint:gosec // the repo's own go.mod
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		for i, field := range fields {
			if field == awsModule && i+1 < len(fields) {
				return strings.TrimPrefix(fields[i+1], "v"), nil
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s/go.mod does not require %s", root, awsModule)
}

// sourceHash hashes go.mod, go.sum and every non-test Go file of the
// project's packages that the stand-in plugin is built from, so the cached
// binary is rebuilt exactly when one of them changes.
func sourceHash(ctx context.Context, root string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.Dir}}{{end}}{{end}}", pluginPackage)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list %s: %w: %s", pluginPackage, err, strings.TrimSpace(stderr.String()))
	}
	files := []string{filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum")}
	for _, dir := range strings.Fields(string(out)) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return "", err
		}
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			return "", err
		}
		fh, err := os.Open(f) //nolint:gosec // files of the repo, listed by go list
		if err != nil {
			return "", err
		}
		_, _ = io.WriteString(h, rel+"\x00")
		_, err = io.Copy(h, fh)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// BuildPlugin builds the stand-in provider plugin into
// <root>/.cache/standin/<hash>/pulumi-resource-aws, or reuses that binary
// when its sources have not changed, and returns its path.
func BuildPlugin(ctx context.Context, root, version string, log io.Writer) (string, error) {
	hash, err := sourceHash(ctx, root)
	if err != nil {
		return "", fmt.Errorf("stand-in plugin: %w", err)
	}
	bin := filepath.Join(root, ".cache", "standin", hash, "pulumi-resource-aws")
	if _, err := os.Stat(bin); err == nil {
		fmt.Fprintf(log, "stand-in provider: cached %s\n", bin)
		return bin, nil
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o750); err != nil {
		return "", err
	}
	tmp := bin + ".tmp"
	cmd := exec.CommandContext(ctx, "go", "build", "-ldflags", "-X main.version="+version, "-o", tmp, pluginPackage) //nolint:gosec // fixed package, version from go.mod
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build the stand-in provider plugin: %w\n%s", err, out.String())
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", err
	}
	fmt.Fprintf(log, "stand-in provider: built %s\n", bin)
	return bin, nil
}

// installPlugin puts the plugin where the engine looks for
// resource-aws-v<version> under PULUMI_HOME. A symlink keeps it cheap.
func installPlugin(home, bin, version string) error {
	dir := filepath.Join(home, "plugins", "resource-aws-v"+version)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	dst := filepath.Join(dir, "pulumi-resource-aws")
	if err := os.Remove(dst); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return os.Symlink(bin, dst)
}
