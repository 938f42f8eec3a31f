// Package tagging builds the tags components put on the resources they
// declare, so that every component tags the same way: cost reports, the
// policy pack and operators group resources by env, service and managed-by,
// and can only do so if no component forgets a key or lets a caller
// overwrite one.
package tagging

// ManagedBy is the managed-by tag value of everything this repository
// declares, which tells resources Pulumi owns from ones created by hand.
const ManagedBy = "pulumi"

// Tags returns the caller's tags with env, service and managed-by set, then
// the component's own keys (such as role, color or Name). Later keys win, so
// a caller's tag can neither hide nor spoof a key that reports and policies
// rely on. Neither map is changed; own may be nil.
func Tags(caller map[string]string, env, service string, own map[string]string) map[string]string {
	out := make(map[string]string, len(caller)+3+len(own))
	for k, v := range caller {
		out[k] = v
	}
	out["env"] = env
	out["service"] = service
	out["managed-by"] = ManagedBy
	for k, v := range own {
		out[k] = v
	}
	return out
}
