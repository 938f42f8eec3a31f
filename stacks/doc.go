// Package stacks composes the components into the small stacks of one
// project: the base of an env, the blue and green copies of each service, the
// transcoder fleet and the DNS that points each hostname at its live copy.
// Each stack function takes a typed, validated config and returns what it
// declared, including its exports.
package stacks

// testdata/urns/<env>.txt lists every URN of an env's stacks; TestURNGolden
// fails when one disappears without an alias.
//go:generate go test -count=1 -run TestURNGolden . -update
