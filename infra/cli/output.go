package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"os"

	"github.com/video-platform/video-platform/internal/render"
)

// writeOut writes a render or a report to path, or to stdout when path is
// empty.
func writeOut(path string, data []byte, stdout io.Writer) error {
	if path == "" {
		_, err := stdout.Write(data)
		return err
	}
	return os.WriteFile(path, data, 0o644) //nolint:gosec // renders and PR comments hold no secrets and are shared with CI steps and reviewers
}

// writeJSON writes a render as the JSON contract of `infra synth --json`.
func writeJSON(path string, env render.Env, stdout io.Writer) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(env); err != nil {
		return err
	}
	return writeOut(path, buf.Bytes(), stdout)
}
