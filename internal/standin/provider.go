package standin

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/video-platform/video-platform/internal/awsschema"
	"github.com/video-platform/video-platform/internal/offline"
)

// Provider is the stand-in `pulumi-resource-aws`: it answers the engine's
// Check, Diff, Create, Read, Update, Delete and Invoke calls from a Store,
// reports replacements from the real provider's ForceNew properties, and
// applies the Store's fail and slow faults.
type Provider struct {
	pulumirpc.UnimplementedResourceProviderServer

	version string
	store   *Store
	region  string
	// sleep waits out slow faults; tests replace it.
	sleep func(context.Context, time.Duration) error
}

// NewProvider serves store as the plugin of the given version (the engine
// checks it against the version the program asks for).
func NewProvider(store *Store, version string) *Provider {
	return &Provider{version: version, store: store, region: "us-east-1", sleep: sleepCtx}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// StoreFromEnv opens the Store named by StoreEnv, for the plugin's main.
func StoreFromEnv() (*Store, error) {
	dir := os.Getenv(StoreEnv)
	if dir == "" {
		return nil, fmt.Errorf("the stand-in AWS provider needs %s: the directory of its store (infra rehearse sets it)", StoreEnv)
	}
	return OpenStore(dir)
}

var marshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, marshalOpts)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, marshalOpts)
}

// GetPluginInfo implements the plugin protocol.
func (p *Provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.version}, nil
}

// CheckConfig accepts the provider configuration as given.
func (p *Provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// DiffConfig reports no provider configuration changes, so that a region
// change never replaces the stand-in's resources behind the program's back.
func (p *Provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

// Configure takes the region from the provider configuration.
func (p *Provider) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	if args := req.GetArgs(); args != nil {
		if r, ok := args.GetFields()["region"]; ok && r.GetStringValue() != "" {
			p.region = r.GetStringValue()
		}
	}
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

// Invoke answers data sources with the offline fixtures.
func (p *Provider) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	args, err := unmarshal(req.GetArgs())
	if err != nil {
		return nil, err
	}
	answer, err := offline.Invoke(req.GetTok(), p.region, args)
	if err != nil {
		return &pulumirpc.InvokeResponse{Failures: []*pulumirpc.CheckFailure{{Reason: err.Error()}}}, nil
	}
	out, err := marshal(answer)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: out}, nil
}

// Cancel has nothing to stop: every call finishes or honours its context.
func (p *Provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// urnParts splits a URN into its stack, type and logical name.
func urnParts(urn string) (stack, typ, name string) {
	u := resource.URN(urn)
	if !u.IsValid() {
		return "", "", urn
	}
	return u.Stack().String(), string(u.Type()), u.Name()
}

// Check fills in auto-names the way pulumi-aws does: the logical name, a
// dash and seven characters derived from the engine's random seed, kept
// across updates because the old inputs carry it.
func (p *Provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	_, typ, name := urnParts(req.GetUrn())
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	if an, ok := autoNamed[typ]; ok {
		key := resource.PropertyKey(an.Property)
		_, hasName := news[key]
		_, hasPrefix := news[resource.PropertyKey(an.Prefix)]
		if !hasName && (an.Prefix == "" || !hasPrefix) {
			if old, ok := olds[key]; ok && old.IsString() {
				news[key] = old
			} else {
				const randLen = 7
				maxLen := an.MaxLength
				if maxLen <= 0 {
					maxLen = 255
				}
				// Like pulumi-aws, a logical name too long for the cap is a
				// check failure, not a silently truncated name.
				auto, err := resource.NewUniqueName(req.GetRandomSeed(), name+"-", randLen, maxLen, nil)
				if err != nil {
					return &pulumirpc.CheckResponse{Failures: []*pulumirpc.CheckFailure{{Property: an.Property, Reason: err.Error()}}}, nil
				}
				news[key] = resource.NewStringProperty(auto)
			}
		}
	}
	out, err := marshal(news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: out}, nil
}

// Diff compares the old inputs with the new ones, property by property,
// and asks for a replacement when a changed property is one the real
// provider cannot update in place.
func (p *Provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	_, typ, _ := urnParts(req.GetUrn())
	oldsStruct := req.GetOldInputs()
	if oldsStruct == nil {
		oldsStruct = req.GetOlds()
	}
	olds, err := unmarshal(oldsStruct)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	changed := changedKeys(olds, news, req.GetIgnoreChanges())
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	resp := &pulumirpc.DiffResponse{
		Changes:             pulumirpc.DiffResponse_DIFF_SOME,
		DeleteBeforeReplace: deleteBeforeReplaceTypes[typ],
		Diffs:               changed,
		HasDetailedDiff:     true,
		DetailedDiff:        map[string]*pulumirpc.PropertyDiff{},
	}
	for _, k := range changed {
		_, inOld := olds[resource.PropertyKey(k)]
		_, inNew := news[resource.PropertyKey(k)]
		replace := awsschema.ForcesReplacement(typ, k)
		kind := pulumirpc.PropertyDiff_UPDATE
		switch {
		case !inOld && replace:
			kind = pulumirpc.PropertyDiff_ADD_REPLACE
		case !inOld:
			kind = pulumirpc.PropertyDiff_ADD
		case !inNew && replace:
			kind = pulumirpc.PropertyDiff_DELETE_REPLACE
		case !inNew:
			kind = pulumirpc.PropertyDiff_DELETE
		case replace:
			kind = pulumirpc.PropertyDiff_UPDATE_REPLACE
		}
		resp.DetailedDiff[k] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
		if replace {
			resp.Replaces = append(resp.Replaces, k)
		}
	}
	return resp, nil
}

// changedKeys lists the top-level properties that differ, in order. An
// unknown new value counts as a change: the engine only knows it will be
// different once its dependency is applied.
func changedKeys(olds, news resource.PropertyMap, ignore []string) []string {
	keys := map[string]bool{}
	for k := range olds {
		keys[string(k)] = true
	}
	for k := range news {
		keys[string(k)] = true
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if strings.HasPrefix(k, "__") || slices.Contains(ignore, k) {
			continue
		}
		o, inOld := olds[resource.PropertyKey(k)]
		n, inNew := news[resource.PropertyKey(k)]
		if inNew && (n.ContainsUnknowns()) {
			out = append(out, k)
			continue
		}
		if inOld != inNew || !o.DeepEquals(n) {
			out = append(out, k)
		}
	}
	return out
}

// injected applies the Store's fail and slow faults to one call.
func (p *Provider) injected(ctx context.Context, op, urn string) error {
	stack, typ, name := urnParts(urn)
	faults, err := p.store.Faults()
	if err != nil {
		return fmt.Errorf("stand-in faults: %w", err)
	}
	for i, f := range faults {
		if (f.Kind != FaultFail && f.Kind != FaultSlow) || !f.MatchesCall(op, typ, stack, name) {
			continue
		}
		if f.Kind == FaultSlow {
			d, err := f.DelayDuration()
			if err != nil {
				return err
			}
			if err := p.sleep(ctx, d); err != nil {
				return err
			}
			continue
		}
		n, err := p.store.Next(fmt.Sprintf("fault-%d:%s", i, f))
		if err != nil {
			return err
		}
		if f.Nth == 0 || f.Nth == n {
			return fmt.Errorf("injected fault %s (call %d): %s %s: InternalFailure: the stand-in AWS failed this %s on purpose", f, n, typ, name, op)
		}
	}
	return nil
}

// collision names the live resource that already holds new's unique name.
func (p *Provider) collision(typ, id string, state resource.PropertyMap) error {
	props, ok := uniqueNames[typ]
	if !ok {
		return nil
	}
	// pulumi-aws sends an UPSERT for a record that may overwrite.
	if v, set := state["allowOverwrite"]; set && v.IsBool() && v.BoolValue() {
		return nil
	}
	key := func(get func(string) (any, bool)) (string, bool) {
		var parts []string
		for _, prop := range props {
			v, ok := get(prop)
			if !ok {
				v = ""
			}
			parts = append(parts, fmt.Sprint(v))
		}
		return strings.Join(parts, "|"), true
	}
	want, _ := key(func(prop string) (any, bool) {
		v, ok := state[resource.PropertyKey(prop)]
		if !ok || v.IsNull() {
			return nil, false
		}
		return plainValue(v), true
	})
	others, err := p.store.OfType(typ)
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.ID == id {
			continue
		}
		have, _ := key(func(prop string) (any, bool) {
			v, ok := o.Outputs[prop]
			return v, ok && v != nil
		})
		if have == want {
			return fmt.Errorf("%s: a resource with %s %q already exists (%s, owned by %s); AWS answers AlreadyExists: a replacement that keeps a fixed name must delete before it creates, or use a name prefix",
				typ, strings.Join(props, "+"), strings.Trim(want, "|"), o.ID, o.URN)
		}
	}
	return nil
}

// Create stores a new resource, unless a fault or a name collision says
// AWS would refuse it.
func (p *Provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	stack, typ, name := urnParts(req.GetUrn())
	props, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		out, err := marshal(props)
		return &pulumirpc.CreateResponse{Properties: out}, err
	}
	if err := p.injected(ctx, OpCreate, req.GetUrn()); err != nil {
		return nil, err
	}
	if an, ok := autoNamed[typ]; ok && an.Prefix != "" {
		if prefix, ok := props[resource.PropertyKey(an.Prefix)]; ok && prefix.IsString() {
			if _, has := props[resource.PropertyKey(an.Property)]; !has {
				props[resource.PropertyKey(an.Property)] = resource.NewStringProperty(prefixedUniqueID(prefix.StringValue()))
			}
		}
	}
	id := newIdentity(typ, name, p.region, props)
	clampDesired(typ, props)
	if err := p.collision(typ, id, props); err != nil {
		return nil, err
	}
	if err := p.store.Put(Resource{ID: id, URN: req.GetUrn(), Type: typ, Stack: stack, Name: name, Outputs: plainMap(props)}); err != nil {
		return nil, err
	}
	out, err := marshal(props)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: out}, nil
}

// Read answers a refresh from the Store; a resource that is gone answers
// an empty ID, as a real provider does.
func (p *Provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	_, typ, _ := urnParts(req.GetUrn())
	r, found, err := p.store.Get(typ, req.GetId())
	if err != nil {
		return nil, err
	}
	if !found {
		return &pulumirpc.ReadResponse{}, nil
	}
	props, err := marshal(resource.NewPropertyMapFromMap(r.Outputs))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: r.ID, Properties: props, Inputs: req.GetInputs()}, nil
}

// Update applies new inputs in place, keeping what AWS computed before.
func (p *Provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	stack, typ, name := urnParts(req.GetUrn())
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	if !req.GetPreview() {
		if err := p.injected(ctx, OpUpdate, req.GetUrn()); err != nil {
			return nil, err
		}
	}
	// Computed outputs (arn, dnsName...) survive an in-place update.
	oldInputs, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	for k, v := range olds {
		if _, isInput := oldInputs[k]; isInput {
			continue
		}
		if _, set := news[k]; !set {
			news[k] = v
		}
	}
	if tags, ok := news["tags"]; ok {
		news["tagsAll"] = tags
	}
	clampDesired(typ, news)
	if req.GetPreview() {
		out, err := marshal(news)
		return &pulumirpc.UpdateResponse{Properties: out}, err
	}
	if err := p.store.Put(Resource{ID: req.GetId(), URN: req.GetUrn(), Type: typ, Stack: stack, Name: name, Outputs: plainMap(news)}); err != nil {
		return nil, err
	}
	out, err := marshal(news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: out}, nil
}

// Delete removes a resource. A load balancer with deletion protection is
// refused, as AWS refuses it.
func (p *Provider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	_, typ, name := urnParts(req.GetUrn())
	if err := p.injected(ctx, OpDelete, req.GetUrn()); err != nil {
		return nil, err
	}
	if typ == "aws:lb/loadBalancer:LoadBalancer" {
		r, found, err := p.store.Get(typ, req.GetId())
		if err != nil {
			return nil, err
		}
		if found && r.Outputs["enableDeletionProtection"] == true {
			return nil, fmt.Errorf("deleting ELBv2 Load Balancer (%s): OperationNotPermitted: Load balancer '%s' cannot be deleted because deletion protection is enabled", name, req.GetId())
		}
	}
	if err := p.store.Delete(typ, req.GetId()); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// clampDesired keeps an Auto Scaling group's desired capacity within its
// min and max, as AWS does: a group scaled to max 0 has no instances even
// when ignoreChanges kept the old desired capacity in its inputs.
func clampDesired(typ string, props resource.PropertyMap) {
	if typ != "aws:autoscaling/group:Group" {
		return
	}
	num := func(k resource.PropertyKey) (float64, bool) {
		v, ok := props[k]
		if !ok || !v.IsNumber() {
			return 0, false
		}
		return v.NumberValue(), true
	}
	lo, okMin := num("minSize")
	hi, okMax := num("maxSize")
	d, ok := num("desiredCapacity")
	if !ok {
		d, ok = lo, okMin
	}
	if !ok || !okMin || !okMax {
		return
	}
	props["desiredCapacity"] = resource.NewNumberProperty(max(min(d, hi), lo))
}

// plainMap turns a property map into the Store's plain JSON: secrets keep
// their value (the Store is the cloud, which knows them), unknowns are
// dropped.
func plainMap(m resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if strings.HasPrefix(string(k), "__") || v.ContainsUnknowns() {
			continue
		}
		out[string(k)] = plainValue(v)
	}
	return out
}

func plainValue(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return plainValue(v.SecretValue().Element)
	case v.IsOutput():
		return plainValue(v.OutputValue().Element)
	case v.IsArray():
		items := v.ArrayValue()
		out := make([]any, len(items))
		for i, item := range items {
			out[i] = plainValue(item)
		}
		return out
	case v.IsObject():
		return plainMap(v.ObjectValue())
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	case v.IsNull():
		return nil
	}
	return v.V
}
