package stacks

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/internal/topology"
)

// kindKeys are the project's config keys by the kind of stack that reads them.
// Pulumi.yaml declares exactly these, each with an empty default
// (TestPulumiYamlDeclaresTheKeysOfEveryKind).
var kindKeys = map[topology.Kind][]string{
	topology.KindBase:        {"network", "domain", "queue", "amiId", "keepImages", "alertEmails", "alertsWebhookUrl", "launchLoop", "schedules"},
	topology.KindCopy:        {"copy"},
	topology.KindTranscoders: {"transcoders"},
	topology.KindDNS:         {"live", "canary", "previous", "hostnames"},
}

// projectKeys are read by every kind of stack: Pulumi.yaml declares them
// once for the whole project.
var projectKeys = []string{topology.ConfigKey}

// checkKeys refuses a key of the project's namespace that is not one of
// kindKeys, and a key of another kind of stack that is set: Pulumi passes both
// to the program, which would otherwise ignore them, so that a typo in a
// key or a value in the wrong stack file silently changes nothing.
func checkKeys(ctx *pulumi.Context, id topology.Identity) error {
	all, err := configKeys(ctx)
	if err != nil {
		return fmt.Errorf("stack %s: %w", id.Name, err)
	}
	own := kindKeys[id.Kind]
	accepted := make([]string, len(own))
	for i, k := range own {
		accepted[i] = ProjectName + ":" + k
	}
	var errs []error
	for _, full := range all {
		key, ok := strings.CutPrefix(full, ProjectName+":")
		if !ok || slices.Contains(own, key) || slices.Contains(projectKeys, key) {
			continue
		}
		refuse := func(problem string) {
			errs = append(errs, &ConfigError{Stack: id.Name, Key: full, Problem: problem,
				Accepted: fmt.Sprintf("in a %s stack, %s", id.Kind, strings.Join(accepted, ", "))})
		}
		owner, declared := kindOf(key)
		switch {
		case declared:
			// Every stack gets every declared key, with Pulumi.yaml's empty
			// default when its file does not set it.
			if v, _ := ctx.GetConfig(full); !isEmpty(v) {
				refuse(fmt.Sprintf("is a key of %s, not of a %s stack", stackFiles(owner, id.Env), id.Kind))
			}
		case strings.ContainsAny(key, ".["):
			refuse(fmt.Sprintf("is not a key of this project; to set %s inside %s:%s, use `pulumi config set --path`", key, ProjectName, topKey(key)))
		default:
			refuse("is not a key of this project")
		}
	}
	return errors.Join(errs...)
}

// kindOf is the kind of stack that reads key.
func kindOf(key string) (topology.Kind, bool) {
	for kind, keys := range kindKeys {
		if slices.Contains(keys, key) {
			return kind, true
		}
	}
	return "", false
}

// stackFiles names the stacks of a kind in env and their files.
func stackFiles(kind topology.Kind, env string) string {
	switch kind {
	case topology.KindBase:
		return fmt.Sprintf("the base stack %s (Pulumi.%s.yaml)", topology.BaseStackName(env), topology.BaseStackName(env))
	case topology.KindCopy:
		return fmt.Sprintf("the copy stacks %s (Pulumi.%s.yaml)", topology.CopyStackName(env, "<service>", "<color>"), topology.CopyStackName(env, "<service>", "<color>"))
	case topology.KindTranscoders:
		return fmt.Sprintf("the transcoders stack %s (Pulumi.%s.yaml)", topology.TranscodersStackName(env), topology.TranscodersStackName(env))
	default:
		return fmt.Sprintf("the DNS stack %s (Pulumi.%s.yaml)", topology.DNSStackName(env), topology.DNSStackName(env))
	}
}

// configKeys lists the keys of the config the stack runs with, sorted. The
// SDK looks keys up one at a time (ctx.GetConfig) and cannot list them,
// yet a key nobody looks up, such as a typo, can only be found in a list.
// The list is the run info the context was made from, which the engine,
// the Automation API and the mock monitor of `infra synth` all fill in, so
// that every way of running the program refuses the same keys. The SDK
// keeps it unexported: an SDK that moves it fails here, loudly, rather than
// letting unknown keys through (TestUnknownKeysAreRefused).
func configKeys(ctx *pulumi.Context) ([]string, error) {
	v := reflect.ValueOf(ctx).Elem()
	for _, name := range []string{"state", "info", "Config"} {
		if v.Kind() == reflect.Pointer && !v.IsNil() {
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			v = reflect.Value{}
			break
		}
		v = v.FieldByName(name)
	}
	if v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String {
		return nil, errors.New("cannot list the config keys: this Pulumi SDK keeps them elsewhere than pulumi.Context.state.info.Config; update configKeys in stacks/keys.go")
	}
	keys := make([]string, 0, v.Len())
	for _, k := range v.MapKeys() {
		keys = append(keys, k.String())
	}
	slices.Sort(keys)
	return keys, nil
}
