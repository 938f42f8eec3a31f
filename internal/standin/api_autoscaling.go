package standin

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Instance lifecycle states the stand-in reports.
const (
	asgInService       = "InService"
	asgPending         = "Pending"
	asgTerminatingWait = "Terminating:Wait"
)

const (
	asgDefaultMaxRecords = 50
	asgMaxMaxRecords     = 100
	apiDefaultAccount    = "123456789012"
	apiDefaultRegion     = "us-east-1"
)

// asgGroup is an Auto Scaling group as the API sees it: the resource's
// sizing plus the instances it would be running.
type asgGroup struct {
	res       Resource
	name      string
	min, max  int
	desired   int
	tgARNs    []string
	tags      []asgTag
	tagMap    map[string]string
	instances []asgInstance
}

type asgTag struct {
	key, value string
	propagate  bool
}

type asgInstance struct {
	id, state, az string
	// drainingSince is when a Terminating:Wait instance began to drain.
	drainingSince time.Time
	// release overrides the group's release tag for an outdated instance.
	release string
}

// asgLoadGroups builds every Auto Scaling group in resources, sorted by name,
// with short-of-capacity faults applied.
func asgLoadGroups(resources []Resource, faults []Fault) []asgGroup {
	var groups []asgGroup
	for _, r := range resources {
		if r.Type != apiTypeASG {
			continue
		}
		g := asgNewGroup(r, apiFaultsOf(faults, FaultShortOfCapacity))
		g.applyInstanceFaults(faults)
		groups = append(groups, g)
	}
	slices.SortFunc(groups, func(x, y asgGroup) int { return strings.Compare(x.name, y.name) })
	return groups
}

func asgNewGroup(r Resource, short []Fault) asgGroup {
	g := asgGroup{
		res:    r,
		name:   r.Str("name"),
		min:    r.Int("minSize"),
		max:    r.Int("maxSize"),
		tgARNs: r.Strings("targetGroupArns"),
		tags:   asgGroupTags(r),
		tagMap: r.Tags(),
	}
	if g.name == "" {
		g.name = r.ID // the provider ID of a group is its name
	}
	g.desired = r.DesiredCapacity()
	missing := 0
	for _, f := range short {
		if !f.MatchesTags(g.tagMap) {
			continue
		}
		if f.Count == 0 {
			missing = g.desired
		} else {
			missing = max(missing, f.Count)
		}
	}
	missing = min(missing, g.desired)
	zones := r.Strings("availabilityZones")
	if len(zones) == 0 {
		region := apiDefaultRegion
		if parts := strings.Split(r.Str("arn"), ":"); len(parts) > 3 && parts[3] != "" {
			region = parts[3]
		}
		zones = []string{region + "a", region + "b", region + "c"}
	}
	for i := range g.desired {
		state := asgInService
		if i >= g.desired-missing {
			state = asgPending
		}
		g.instances = append(g.instances, asgInstance{id: asgInstanceID(g.name, i), state: state, az: zones[i%len(zones)]})
	}
	return g
}

// applyInstanceFaults adds the instances a terminating-wait fault holds
// and retags those an outdated-instances fault names.
func (g *asgGroup) applyInstanceFaults(faults []Fault) {
	for _, f := range apiFaultsOf(faults, FaultOutdatedInstances) {
		if !f.MatchesTags(g.tagMap) {
			continue
		}
		n := 0
		for i := range g.instances {
			if g.instances[i].state == asgInService && (f.Count == 0 || n < f.Count) {
				g.instances[i].release = f.Release
				n++
			}
		}
	}
	for _, f := range apiFaultsOf(faults, FaultTerminatingWait) {
		if !f.MatchesTags(g.tagMap) {
			continue
		}
		since, err := f.SinceTime()
		if err != nil {
			continue // Validate refused it when the fault was written
		}
		for range max(f.Count, 1) {
			i := len(g.instances)
			g.instances = append(g.instances, asgInstance{id: asgInstanceID(g.name, i), state: asgTerminatingWait,
				az: apiDefaultRegion + "a", drainingSince: since.UTC()})
		}
	}
}

// asgGroupTags reads the group's tags in order, keeping propagateAtLaunch; a
// map of tags (not what pulumi-aws writes for groups) is read sorted.
func asgGroupTags(r Resource) []asgTag {
	var out []asgTag
	switch t := r.Outputs["tags"].(type) {
	case []any:
		for _, e := range t {
			m, _ := e.(map[string]any)
			k, _ := m["key"].(string)
			v, _ := m["value"].(string)
			p, _ := m["propagateAtLaunch"].(bool)
			if k != "" {
				out = append(out, asgTag{key: k, value: v, propagate: p})
			}
		}
	case map[string]any:
		tags := r.Tags()
		for _, k := range slices.Sorted(maps.Keys(tags)) {
			out = append(out, asgTag{key: k, value: tags[k], propagate: true})
		}
	}
	return out
}

// asgInstanceID derives a stable EC2 instance ID from the group name and the
// instance's index, so every process and every call agree on it.
func asgInstanceID(group string, i int) string {
	sum := sha256.Sum256([]byte(group + "\x00" + strconv.Itoa(i)))
	return "i-" + hex.EncodeToString(sum[:])[:17]
}

func (g asgGroup) arn() string {
	if arn := g.res.Str("arn"); arn != "" {
		return arn
	}
	sum := sha256.Sum256([]byte(g.name))
	h := hex.EncodeToString(sum[:16])
	uuid := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	return "arn:aws:autoscaling:" + apiDefaultRegion + ":" + apiDefaultAccount + ":autoScalingGroup:" + uuid +
		":autoScalingGroupName/" + g.name
}

// asgFilter is one DescribeAutoScalingGroups filter.
type asgFilter struct {
	name   string
	values []string
}

func (f asgFilter) matches(g asgGroup) bool {
	switch {
	case strings.HasPrefix(f.name, "tag:"):
		v, ok := g.tagMap[strings.TrimPrefix(f.name, "tag:")]
		return ok && slices.Contains(f.values, v)
	case f.name == "tag-key":
		for _, v := range f.values {
			if _, ok := g.tagMap[v]; ok {
				return true
			}
		}
		return false
	case f.name == "tag-value":
		for _, v := range g.tagMap {
			if slices.Contains(f.values, v) {
				return true
			}
		}
		return false
	}
	return false
}

type asgDescribeXML struct {
	XMLName xml.Name `xml:"DescribeAutoScalingGroupsResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Groups    []asgGroupXML `xml:"AutoScalingGroups>member"`
		NextToken string        `xml:"NextToken,omitempty"`
	} `xml:"DescribeAutoScalingGroupsResult"`
	Meta queryResponseMetadata `xml:"ResponseMetadata"`
}

type asgGroupXML struct {
	Name                   string           `xml:"AutoScalingGroupName"`
	ARN                    string           `xml:"AutoScalingGroupARN"`
	MinSize                int              `xml:"MinSize"`
	MaxSize                int              `xml:"MaxSize"`
	DesiredCapacity        int              `xml:"DesiredCapacity"`
	DefaultCooldown        int              `xml:"DefaultCooldown"`
	AvailabilityZones      []string         `xml:"AvailabilityZones>member"`
	HealthCheckType        string           `xml:"HealthCheckType"`
	HealthCheckGracePeriod int              `xml:"HealthCheckGracePeriod"`
	Instances              []asgInstanceXML `xml:"Instances>member"`
	TargetGroupARNs        []string         `xml:"TargetGroupARNs>member"`
	VPCZoneIdentifier      string           `xml:"VPCZoneIdentifier,omitempty"`
	Tags                   []asgTagXML      `xml:"Tags>member"`
}

type asgInstanceXML struct {
	InstanceID           string `xml:"InstanceId"`
	AvailabilityZone     string `xml:"AvailabilityZone"`
	LifecycleState       string `xml:"LifecycleState"`
	HealthStatus         string `xml:"HealthStatus"`
	ProtectedFromScaleIn bool   `xml:"ProtectedFromScaleIn"`
}

type asgTagXML struct {
	ResourceID        string `xml:"ResourceId"`
	ResourceType      string `xml:"ResourceType"`
	Key               string `xml:"Key"`
	Value             string `xml:"Value"`
	PropagateAtLaunch bool   `xml:"PropagateAtLaunch"`
}

// describeAutoScalingGroups answers DescribeAutoScalingGroups with the
// AutoScalingGroupNames and Filters (tag:<key>, tag-key, tag-value)
// selections, paginated by MaxRecords and NextToken. The token is the last
// name of the previous page, so pages stay consistent while groups come
// and go.
func (q *queryAPI) describeAutoScalingGroups(c *apiCall, form url.Values, faults []Fault) (any, *apiError) {
	names := queryList(form, "AutoScalingGroupNames")
	var filters []asgFilter
	for i := 1; i <= queryMembers(form, "Filters", "Name"); i++ {
		prefix := "Filters.member." + strconv.Itoa(i)
		f := asgFilter{name: form.Get(prefix + ".Name"), values: queryList(form, prefix+".Values")}
		if !strings.HasPrefix(f.name, "tag:") && f.name != "tag-key" && f.name != "tag-value" {
			return nil, errQueryValidation("stand-in AWS API: DescribeAutoScalingGroups filter %q is not supported; supported: tag:<key>, tag-key, tag-value", f.name)
		}
		filters = append(filters, f)
	}
	maxRecords := asgDefaultMaxRecords
	if raw := form.Get("MaxRecords"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > asgMaxMaxRecords {
			return nil, errQueryValidation("1 validation error detected: Value '%s' at 'maxRecords' failed to satisfy constraint: Member must be between 1 and %d", raw, asgMaxMaxRecords)
		}
		maxRecords = n
	}
	after := ""
	if tok := form.Get("NextToken"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw) == 0 {
			return nil, &apiError{Status: http.StatusBadRequest, Code: "InvalidNextToken",
				Message: "The token '" + tok + "' is invalid."}
		}
		after = string(raw)
	}

	resources, aerr := apiResourcesOf(q.store, apiTypeASG)
	if aerr != nil {
		return nil, aerr
	}
	var page []asgGroup
	more := false
	for _, g := range asgLoadGroups(resources, faults) {
		if after != "" && g.name <= after {
			continue
		}
		if len(names) > 0 && !slices.Contains(names, g.name) {
			continue
		}
		if !asgFiltersMatch(filters, g) {
			continue
		}
		if len(page) == maxRecords {
			more = true
			break
		}
		page = append(page, g)
	}

	out := asgDescribeXML{Xmlns: asgQuery.xmlns}
	out.Meta.RequestID = c.id
	for _, g := range page {
		out.Result.Groups = append(out.Result.Groups, asgGroupToXML(g))
	}
	if more {
		out.Result.NextToken = base64.RawURLEncoding.EncodeToString([]byte(page[len(page)-1].name))
	}
	return out, nil
}

func asgFiltersMatch(filters []asgFilter, g asgGroup) bool {
	for _, f := range filters {
		if !f.matches(g) {
			return false
		}
	}
	return true
}

func asgGroupToXML(g asgGroup) asgGroupXML {
	x := asgGroupXML{
		Name:                   g.name,
		ARN:                    g.arn(),
		MinSize:                g.min,
		MaxSize:                g.max,
		DesiredCapacity:        g.desired,
		DefaultCooldown:        300,
		HealthCheckType:        "EC2",
		HealthCheckGracePeriod: 300,
		TargetGroupARNs:        g.tgARNs,
		VPCZoneIdentifier:      strings.Join(g.res.Strings("vpcZoneIdentifiers"), ","),
	}
	if v, ok := g.res.Outputs["defaultCooldown"]; ok && v != nil {
		x.DefaultCooldown = g.res.Int("defaultCooldown")
	}
	if v := g.res.Str("healthCheckType"); v != "" {
		x.HealthCheckType = v
	}
	if v, ok := g.res.Outputs["healthCheckGracePeriod"]; ok && v != nil {
		x.HealthCheckGracePeriod = g.res.Int("healthCheckGracePeriod")
	}
	seen := map[string]bool{}
	for _, inst := range g.instances {
		x.Instances = append(x.Instances, asgInstanceXML{
			InstanceID:       inst.id,
			AvailabilityZone: inst.az,
			LifecycleState:   inst.state,
			HealthStatus:     "Healthy",
		})
		if !seen[inst.az] {
			seen[inst.az] = true
			x.AvailabilityZones = append(x.AvailabilityZones, inst.az)
		}
	}
	if zones := g.res.Strings("availabilityZones"); len(zones) > 0 {
		x.AvailabilityZones = zones
	}
	for _, t := range g.tags {
		x.Tags = append(x.Tags, asgTagXML{
			ResourceID:        g.name,
			ResourceType:      "auto-scaling-group",
			Key:               t.key,
			Value:             t.value,
			PropagateAtLaunch: t.propagate,
		})
	}
	return x
}

type asgActivitiesXML struct {
	XMLName xml.Name `xml:"DescribeScalingActivitiesResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Activities []asgActivityXML `xml:"Activities>member"`
	} `xml:"DescribeScalingActivitiesResult"`
	Meta queryResponseMetadata `xml:"ResponseMetadata"`
}

type asgActivityXML struct {
	ActivityID           string `xml:"ActivityId"`
	AutoScalingGroupName string `xml:"AutoScalingGroupName"`
	Description          string `xml:"Description"`
	Cause                string `xml:"Cause"`
	StartTime            string `xml:"StartTime"`
	StatusCode           string `xml:"StatusCode"`
	Progress             int    `xml:"Progress"`
}

// describeScalingActivities answers with the termination activity of each
// instance a group holds in Terminating:Wait; the stand-in keeps no other
// history. A mid-lifecycle termination is the activity AWS reports while
// the hook waits.
func (q *queryAPI) describeScalingActivities(c *apiCall, form url.Values, faults []Fault) (any, *apiError) {
	name := form.Get("AutoScalingGroupName")
	resources, aerr := apiResourcesOf(q.store, apiTypeASG)
	if aerr != nil {
		return nil, aerr
	}
	out := asgActivitiesXML{Xmlns: asgQuery.xmlns}
	out.Meta.RequestID = c.id
	for _, g := range asgLoadGroups(resources, faults) {
		if name != "" && g.name != name {
			continue
		}
		for _, inst := range g.instances {
			if inst.state != asgTerminatingWait {
				continue
			}
			sum := sha256.Sum256([]byte("terminate\x00" + inst.id))
			out.Result.Activities = append(out.Result.Activities, asgActivityXML{
				ActivityID:           hex.EncodeToString(sum[:16]),
				AutoScalingGroupName: g.name,
				Description:          "Terminating EC2 instance: " + inst.id,
				Cause: "At " + inst.drainingSince.Format(time.RFC3339) + " a user request update of AutoScalingGroup constraints " +
					"changed the desired capacity, and instance " + inst.id + " was selected for termination.",
				StartTime:  inst.drainingSince.Format(time.RFC3339),
				StatusCode: "MidLifecycleAction",
				Progress:   50,
			})
		}
	}
	return out, nil
}

type asgHooksXML struct {
	XMLName xml.Name `xml:"DescribeLifecycleHooksResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Hooks []asgHookXML `xml:"LifecycleHooks>member"`
	} `xml:"DescribeLifecycleHooksResult"`
	Meta queryResponseMetadata `xml:"ResponseMetadata"`
}

type asgHookXML struct {
	LifecycleHookName    string `xml:"LifecycleHookName"`
	AutoScalingGroupName string `xml:"AutoScalingGroupName"`
	LifecycleTransition  string `xml:"LifecycleTransition"`
	HeartbeatTimeout     int    `xml:"HeartbeatTimeout"`
	GlobalTimeout        int    `xml:"GlobalTimeout"`
	DefaultResult        string `xml:"DefaultResult"`
}

// asgDefaultHeartbeat and asgMaxGlobalTimeout are AWS's: an hour when the
// hook sets none, and a hook never waits past 100 heartbeats or 48 hours.
const (
	asgDefaultHeartbeat = 3600
	asgMaxGlobalTimeout = 172800
)

// describeLifecycleHooks answers from the group's initialLifecycleHooks.
func (q *queryAPI) describeLifecycleHooks(c *apiCall, form url.Values, faults []Fault) (any, *apiError) {
	name := form.Get("AutoScalingGroupName")
	if name == "" {
		return nil, errQueryValidation("1 validation error detected: Value null at 'autoScalingGroupName' failed to satisfy constraint: Member must not be null")
	}
	resources, aerr := apiResourcesOf(q.store, apiTypeASG)
	if aerr != nil {
		return nil, aerr
	}
	out := asgHooksXML{Xmlns: asgQuery.xmlns}
	out.Meta.RequestID = c.id
	found := false
	for _, g := range asgLoadGroups(resources, faults) {
		if g.name != name {
			continue
		}
		found = true
		hooks, _ := g.res.Outputs["initialLifecycleHooks"].([]any)
		for _, h := range hooks {
			m, _ := h.(map[string]any)
			hb := asgDefaultHeartbeat
			if v, ok := m["heartbeatTimeout"].(float64); ok && v > 0 {
				hb = int(v)
			}
			hookName, _ := m["name"].(string)
			transition, _ := m["lifecycleTransition"].(string)
			result, _ := m["defaultResult"].(string)
			if result == "" {
				result = "ABANDON"
			}
			out.Result.Hooks = append(out.Result.Hooks, asgHookXML{
				LifecycleHookName: hookName, AutoScalingGroupName: g.name, LifecycleTransition: transition,
				HeartbeatTimeout: hb, GlobalTimeout: min(100*hb, asgMaxGlobalTimeout), DefaultResult: result,
			})
		}
	}
	if !found {
		return nil, errQueryValidation("Group %s not found", name)
	}
	return out, nil
}
