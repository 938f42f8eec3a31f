package offline

import (
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// aliasURNs resolves the aliases a registration declares into the URNs
// they stand for, sorted, as the engine resolves them: a full URN is taken
// as it is; a spec takes the resource's own name, type, stack and project
// for what it leaves empty, and its parent is none (NoParent), the given
// parent URN, or else the resource's own parent. The root stack is never
// part of a URN's type chain. parent is the resource's parent URN, "" for
// the root stack.
//
// One thing the engine does and this does not: when a spec names a parent
// that was itself registered with an alias, the engine substitutes the
// parent's old URN. Resolved here, such an alias stands for the parent's
// new URN; to name an old URN, give the old parent's URN or the full URN.
func (c *Cloud) aliasURNs(req *pulumirpc.RegisterResourceRequest, parent, typ, name string) []string {
	if req == nil {
		return nil
	}
	out := slices.Clone(req.GetAliasURNs())
	for _, a := range req.GetAliases() {
		if urn := a.GetUrn(); urn != "" {
			out = append(out, urn)
			continue
		}
		spec := a.GetSpec()
		if spec == nil {
			continue
		}
		out = append(out, c.specURN(spec, parent, typ, name))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (c *Cloud) specURN(spec *pulumirpc.Alias_Spec, parent, typ, name string) string {
	if spec.GetName() != "" {
		name = spec.GetName()
	}
	if spec.GetType() != "" {
		typ = spec.GetType()
	}
	stack, project := c.stack, c.project
	if spec.GetStack() != "" {
		stack = spec.GetStack()
	}
	if spec.GetProject() != "" {
		project = spec.GetProject()
	}
	switch {
	case spec.GetNoParent():
		parent = ""
	case spec.GetParentUrn() != "":
		parent = spec.GetParentUrn()
	}
	parentType := tokens.Type("")
	if p := resource.URN(parent); p.IsValid() && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(stack), tokens.PackageName(project), parentType, tokens.Type(typ), name))
}
