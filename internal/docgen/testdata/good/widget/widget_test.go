package widget

// TestOnly must not be documented: test files are skipped.
type TestOnly struct{ pulumi.ResourceState }
