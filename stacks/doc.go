// Package stacks composes the components into the small stacks of one
// project: the base of an env, the blue and green copies of each service, the
// transcoder fleet and the DNS that points each hostname at its live copy.
// Each stack function takes a typed, validated config and returns what it
// declared, including its exports.
package stacks
