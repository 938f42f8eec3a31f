// Package outputs registers a component's outputs from its struct, so that
// the names a component registers are stated once, as the pulumi tags of
// its Output fields, and no field is left out of the registration.
package outputs

import (
	"fmt"
	"reflect"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Register registers every exported field of comp (a pointer to a
// component struct) that holds a Pulumi output and has a pulumi tag, under
// the tag's name. Children (resources) and untagged fields are left out.
func Register(ctx *pulumi.Context, comp pulumi.ComponentResource) error {
	return ctx.RegisterResourceOutputs(comp, Map(comp))
}

// Map is what Register registers.
func Map(comp any) pulumi.Map {
	v := reflect.ValueOf(comp).Elem()
	out := pulumi.Map{}
	for i := range v.NumField() {
		f := v.Type().Field(i)
		name := f.Tag.Get("pulumi")
		if name == "" || !f.IsExported() {
			continue
		}
		o, ok := v.Field(i).Interface().(pulumi.Output)
		if !ok {
			panic(fmt.Sprintf("outputs: %s.%s has a pulumi tag but is no output", v.Type(), f.Name))
		}
		out[name] = o
	}
	return out
}
