// Package components holds the reusable ComponentResources, one package per
// component; docs/components.md is their generated reference.
//
// Every component is built the same way:
//
//   - Its Pulumi type is an exported TypeToken constant. A token, like a
//     child's name, is part of URNs: changing either replaces resources.
//   - Its Args embed contract.Identity (env, service, color and extra
//     tags) when it tags its children, and every child is tagged with
//     Identity.ChildTags; a caller's tag of a key a component sets is
//     refused, never overwritten.
//   - Args.Validate takes the args as the caller has them, applies the
//     defaults itself and reports every rejected field at once as a
//     contract.FieldError. A Pulumi input left unset is marked Input, so a
//     stack can validate the args it maps from config before the resources
//     that provide the inputs exist. The constructor calls Validate before
//     it registers anything. Parts a stack validates on their own (a
//     schedule, the alarms) have a Validate of the same kind.
//   - The defaults and accepted ranges live in the component only.
//   - The children are exported fields (the ALB, the group, the launch
//     template...), as awsx exposes them, beside the Output fields, which
//     carry the pulumi tags they are registered under.
//   - Go initialisms throughout: ID, ARN, DNS, URL, HTTPS.
//   - Tests declare the component through offlinetest.Component, and state
//     the input properties they are about rather than whole input maps.
//
// No component imports the policy pack or the stacks: what they must agree
// on is in internal/contract, and policies/rules checks that the
// components pass its rules.
package components

//go:generate go run ../internal/docgen -dir . -out ../docs/components.md
