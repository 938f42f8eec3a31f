package offline

import (
	"github.com/video-platform/video-platform/internal/render"
)

// OfType returns the resources of one type token, in URN order.
func (r *Result) OfType(typ string) []render.Resource {
	var out []render.Resource
	for _, res := range r.Resources {
		if res.Type == typ {
			out = append(out, res)
		}
	}
	return out
}

// Find returns the resource with this type and logical name.
func (r *Result) Find(typ, name string) (render.Resource, bool) {
	for _, res := range r.Resources {
		if res.Type == typ && res.Name == name {
			return res, true
		}
	}
	return render.Resource{}, false
}
