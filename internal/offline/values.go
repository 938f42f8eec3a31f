package offline

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// SecretMarker stands in for every secret value: an offline render must be
// safe to paste into a pull request, so secrets are never decrypted.
const SecretMarker = "[secret]"

// UnknownMarker stands in for a value that is not known even offline.
const UnknownMarker = "<computed>"

// Placeholder names a value that only the cloud can know. It carries the type,
// the property and the logical name so that references between resources stay
// traceable in a render and two renders of the same inputs are identical.
func Placeholder(typ, property, name string) string {
	return fmt.Sprintf("<computed:%s.%s[%s]>", typ, property, name)
}

// plainMap turns a property map into plain JSON values.
func plainMap(m resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if isInternalKey(string(k)) {
			continue
		}
		out[string(k)] = plain(v)
	}
	return out
}

// isInternalKey hides engine bookkeeping (such as "__defaults") from renders.
func isInternalKey(k string) bool {
	return len(k) > 2 && k[0] == '_' && k[1] == '_'
}

func plain(v resource.PropertyValue) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		items := v.ArrayValue()
		out := make([]any, len(items))
		for i, item := range items {
			out[i] = plain(item)
		}
		return out
	case v.IsObject():
		return plainMap(v.ObjectValue())
	case v.IsSecret():
		return SecretMarker
	case v.IsComputed():
		return UnknownMarker
	case v.IsOutput():
		o := v.OutputValue()
		switch {
		case o.Secret:
			return SecretMarker
		case !o.Known:
			return UnknownMarker
		default:
			return plain(o.Element)
		}
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	case v.IsAsset():
		a := v.AssetValue()
		return "<asset:" + a.Hash + ">"
	case v.IsArchive():
		a := v.ArchiveValue()
		return "<archive:" + a.Hash + ">"
	default:
		return fmt.Sprintf("<unsupported %T>", v.V)
	}
}

// propertyValue turns plain JSON values (such as another stack's outputs)
// back into property values for a StackReference's state.
func propertyValue(v any) resource.PropertyValue {
	switch t := v.(type) {
	case nil:
		return resource.NewNullProperty()
	case map[string]any:
		m := resource.PropertyMap{}
		for _, k := range slices.Sorted(maps.Keys(t)) {
			m[resource.PropertyKey(k)] = propertyValue(t[k])
		}
		return resource.NewObjectProperty(m)
	case []any:
		arr := make([]resource.PropertyValue, len(t))
		for i, item := range t {
			arr[i] = propertyValue(item)
		}
		return resource.NewArrayProperty(arr)
	case []string:
		arr := make([]resource.PropertyValue, len(t))
		for i, item := range t {
			arr[i] = resource.NewStringProperty(item)
		}
		return resource.NewArrayProperty(arr)
	case int:
		return resource.NewNumberProperty(float64(t))
	default:
		return resource.NewPropertyValue(t)
	}
}
