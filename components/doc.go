// Package components holds the reusable ComponentResources, one package per
// component; docs/components.md is their generated reference.
package components

//go:generate go run ../internal/docgen -dir . -out ../docs/components.md
