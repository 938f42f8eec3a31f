package diff

import (
	"fmt"

	"github.com/video-platform/video-platform/internal/render"
)

// SchemaError is two renders that this code cannot compare: written by
// binaries that disagree on the render's format. Comparing them anyway would
// report the difference in format as changes to the infrastructure.
type SchemaError struct {
	// Base and Head are the renders' schema versions, 0 when absent.
	Base, Head int
}

func (e *SchemaError) Error() string {
	if e.Base != e.Head {
		return fmt.Sprintf("base and head were rendered by different binaries: the base render has %s and the head render has %s "+
			"(this infra diff reads schemaVersion %d); render both with the same infra synth",
			versionText(e.Base), versionText(e.Head), render.SchemaVersion)
	}
	return fmt.Sprintf("base and head both have %s, but this infra diff reads schemaVersion %d: they were rendered by a different binary; "+
		"diff them with the infra that rendered them, or render both again with this one", versionText(e.Base), render.SchemaVersion)
}

func versionText(v int) string {
	if v == 0 {
		return "no schemaVersion"
	}
	return fmt.Sprintf("schemaVersion %d", v)
}

// CheckSchema accepts two renders only when both carry the schema version
// this code writes.
func CheckSchema(base, head render.Env) error {
	if base.SchemaVersion == render.SchemaVersion && head.SchemaVersion == render.SchemaVersion {
		return nil
	}
	return &SchemaError{Base: base.SchemaVersion, Head: head.SchemaVersion}
}
