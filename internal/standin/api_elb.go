package standin

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// Target health as ELBv2 reports it.
const (
	elbHealthy                  = "healthy"
	elbUnhealthy                = "unhealthy"
	elbUnused                   = "unused"
	elbReasonFailedHealthChecks = "Target.FailedHealthChecks"
	elbReasonNotRegistered      = "Target.NotRegistered"
)

type elbTargetHealthXML struct {
	XMLName xml.Name `xml:"DescribeTargetHealthResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Descriptions []elbTargetDescriptionXML `xml:"TargetHealthDescriptions>member"`
	} `xml:"DescribeTargetHealthResult"`
	Meta queryResponseMetadata `xml:"ResponseMetadata"`
}

type elbTargetDescriptionXML struct {
	Target struct {
		ID               string `xml:"Id"`
		Port             int    `xml:"Port"`
		AvailabilityZone string `xml:"AvailabilityZone,omitempty"`
	} `xml:"Target"`
	HealthCheckPort string `xml:"HealthCheckPort"`
	TargetHealth    struct {
		State       string `xml:"State"`
		Reason      string `xml:"Reason,omitempty"`
		Description string `xml:"Description,omitempty"`
	} `xml:"TargetHealth"`
}

// describeTargetHealth answers DescribeTargetHealth. The targets of a
// target group are the InService instances of every Auto Scaling group
// that lists the target group's ARN, on the target group's port; Pending
// instances are not registered yet. A targets-unhealthy fault matching the
// target group's or the Auto Scaling group's tags makes them unhealthy.
func (q *queryAPI) describeTargetHealth(c *apiCall, form url.Values, faults []Fault) (any, *apiError) {
	arn := form.Get("TargetGroupArn")
	if arn == "" {
		return nil, errQueryValidation("1 validation error detected: Value null at 'targetGroupArn' failed to satisfy constraint: Member must not be null")
	}
	resources, aerr := apiResourcesOf(q.store, apiTypeTargetGroup, apiTypeTargetGroupALB, apiTypeASG)
	if aerr != nil {
		return nil, aerr
	}
	var tg *Resource
	for i, r := range resources {
		if r.Type != apiTypeASG && elbTargetGroupARN(r) == arn {
			tg = &resources[i]
			break
		}
	}
	if tg == nil {
		return nil, &apiError{Status: http.StatusBadRequest, Code: "TargetGroupNotFound",
			Message: "Target groups '" + arn + "' not found"}
	}
	port := tg.Int("port")
	tgTags := tg.Tags()
	unhealthyFaults := apiFaultsOf(faults, FaultTargetsUnhealthy)

	// Targets.member.N.Id narrows the answer, as in AWS; asking about an
	// instance that is not registered reports it unused.
	asked := map[string]bool{}
	var askedOrder []string
	for i := 1; i <= queryMembers(form, "Targets", "Id"); i++ {
		id := form.Get("Targets.member." + strconv.Itoa(i) + ".Id")
		if !asked[id] {
			asked[id] = true
			askedOrder = append(askedOrder, id)
		}
	}

	out := elbTargetHealthXML{Xmlns: elbQuery.xmlns}
	out.Meta.RequestID = c.id
	registered := map[string]bool{}
	for _, g := range asgLoadGroups(resources, faults) {
		if !slices.Contains(g.tgARNs, arn) {
			continue
		}
		unhealthy := false
		for _, f := range unhealthyFaults {
			if f.MatchesTags(tgTags) || f.MatchesTags(g.tagMap) {
				unhealthy = true
				break
			}
		}
		for _, inst := range g.instances {
			if inst.state != asgInService {
				continue
			}
			registered[inst.id] = true
			if len(asked) > 0 && !asked[inst.id] {
				continue
			}
			var d elbTargetDescriptionXML
			d.Target.ID = inst.id
			d.Target.Port = port
			d.HealthCheckPort = strconv.Itoa(port)
			d.TargetHealth.State = elbHealthy
			if unhealthy {
				d.TargetHealth.State = elbUnhealthy
				d.TargetHealth.Reason = elbReasonFailedHealthChecks
				d.TargetHealth.Description = "Health checks failed"
			}
			out.Result.Descriptions = append(out.Result.Descriptions, d)
		}
	}
	for _, id := range askedOrder {
		if registered[id] {
			continue
		}
		var d elbTargetDescriptionXML
		d.Target.ID = id
		d.Target.Port = port
		d.HealthCheckPort = strconv.Itoa(port)
		d.TargetHealth.State = elbUnused
		d.TargetHealth.Reason = elbReasonNotRegistered
		d.TargetHealth.Description = "Target is not registered to the target group"
		out.Result.Descriptions = append(out.Result.Descriptions, d)
	}
	return out, nil
}

// elbTargetGroupARN is the target group's ARN output, or its provider ID
// (which pulumi-aws sets to the ARN) when the output is missing.
func elbTargetGroupARN(r Resource) string {
	if arn := r.Str("arn"); arn != "" {
		return arn
	}
	return r.ID
}
