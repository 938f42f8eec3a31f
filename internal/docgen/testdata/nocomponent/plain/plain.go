// Package plain has no ComponentResource.
package plain

// Thing is not a component.
type Thing struct{ A int }
