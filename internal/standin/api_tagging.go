package standin

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// The Resource Groups Tagging API (awsJson1_1) answers which EC2 instances
// carry which tags: `infra status` reads each instance's release tag there,
// because a group's tags change in place while its instances keep the
// tags they were launched with.
const (
	taggingTargetPrefix = "ResourceGroupsTaggingAPI_20170126."
	taggingContentType  = "application/x-amz-json-1.1"
	apiSvcTagging       = "tagging"
	taggingInstanceType = "ec2:instance"
	taggingMaxPerPage   = 100
)

func taggingIsTarget(target string) bool { return strings.HasPrefix(target, taggingTargetPrefix) }

type taggingGetResourcesInput struct {
	TagFilters []struct {
		Key    string
		Values []string
	}
	ResourceTypeFilters []string
	ResourcesPerPage    int
	PaginationToken     string
}

type taggingTag struct {
	Key   string
	Value string
}

type taggingMapping struct {
	ResourceARN string
	Tags        []taggingTag
}

// taggingAPI answers GetResources about the instances of the Store's Auto
// Scaling groups.
type taggingAPI struct {
	store *Store
}

func (rgt *taggingAPI) serve(c *apiCall) {
	op := strings.TrimPrefix(c.r.Header.Get("X-Amz-Target"), taggingTargetPrefix)
	faults, aerr := apiFaultsInForce(rgt.store)
	if aerr != nil {
		taggingError(c, aerr)
		return
	}
	if t, aerr := apiThrottled(rgt.store, apiSvcTagging, faults); aerr != nil || t {
		if aerr == nil {
			aerr = &apiError{Status: http.StatusBadRequest, Code: "ThrottledException", Message: "Rate exceeded (stand-in throttle fault on tagging)"}
		}
		taggingError(c, aerr)
		return
	}
	if op != "GetResources" {
		taggingError(c, &apiError{Status: http.StatusBadRequest, Code: "InvalidParameterException",
			Message: "stand-in AWS API: Resource Groups Tagging operation " + op + " is not implemented (only GetResources)"})
		return
	}
	body, err := io.ReadAll(c.r.Body)
	if err != nil {
		taggingError(c, errAPIInternal(err))
		return
	}
	var in taggingGetResourcesInput
	if err := json.Unmarshal(body, &in); err != nil {
		taggingError(c, &apiError{Status: http.StatusBadRequest, Code: "InvalidParameterException", Message: "malformed request: " + err.Error()})
		return
	}
	// The stand-in knows only the instances of its groups; answering any
	// other type with nothing would pass for "no such resources".
	if !slices.Equal(in.ResourceTypeFilters, []string{taggingInstanceType}) {
		taggingError(c, &apiError{Status: http.StatusBadRequest, Code: "InvalidParameterException",
			Message: "stand-in AWS API: GetResources answers only ResourceTypeFilters [ec2:instance], got " + strings.Join(in.ResourceTypeFilters, ", ")})
		return
	}
	perPage := taggingMaxPerPage
	if in.ResourcesPerPage != 0 {
		if in.ResourcesPerPage < 1 || in.ResourcesPerPage > taggingMaxPerPage {
			taggingError(c, &apiError{Status: http.StatusBadRequest, Code: "InvalidParameterException", Message: "ResourcesPerPage must be between 1 and 100"})
			return
		}
		perPage = in.ResourcesPerPage
	}
	after := ""
	if in.PaginationToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.PaginationToken)
		if err != nil {
			taggingError(c, &apiError{Status: http.StatusBadRequest, Code: "PaginationTokenExpiredException", Message: "the pagination token is invalid"})
			return
		}
		after = string(raw)
	}
	resources, aerr := apiResourcesOf(rgt.store, apiTypeASG)
	if aerr != nil {
		taggingError(c, aerr)
		return
	}
	var all []taggingMapping
	for _, g := range asgLoadGroups(resources, faults) {
		for _, inst := range g.instances {
			m := taggingMapping{ResourceARN: "arn:aws:ec2:" + apiDefaultRegion + ":" + apiDefaultAccount + ":instance/" + inst.id}
			tags := map[string]string{"aws:autoscaling:groupName": g.name}
			for _, t := range g.tags {
				if t.propagate {
					tags[t.key] = t.value
				}
			}
			if inst.release != "" {
				tags["release"] = inst.release
			}
			if !taggingMatches(in, tags) {
				continue
			}
			for _, k := range slices.Sorted(maps.Keys(tags)) {
				m.Tags = append(m.Tags, taggingTag{Key: k, Value: tags[k]})
			}
			all = append(all, m)
		}
	}
	slices.SortFunc(all, func(x, y taggingMapping) int { return strings.Compare(x.ResourceARN, y.ResourceARN) })
	out := struct {
		ResourceTagMappingList []taggingMapping
		PaginationToken        string
	}{ResourceTagMappingList: []taggingMapping{}}
	for _, m := range all {
		if after != "" && m.ResourceARN <= after {
			continue
		}
		if len(out.ResourceTagMappingList) == perPage {
			out.PaginationToken = base64.RawURLEncoding.EncodeToString([]byte(out.ResourceTagMappingList[perPage-1].ResourceARN))
			break
		}
		out.ResourceTagMappingList = append(out.ResourceTagMappingList, m)
	}
	raw, err := json.Marshal(out)
	if err != nil {
		taggingError(c, errAPIInternal(err))
		return
	}
	c.write(http.StatusOK, taggingContentType, raw)
}

// taggingMatches applies TagFilters: every filter's key must be present,
// with one of its values when it lists any.
func taggingMatches(in taggingGetResourcesInput, tags map[string]string) bool {
	for _, f := range in.TagFilters {
		v, ok := tags[f.Key]
		if !ok || (len(f.Values) > 0 && !slices.Contains(f.Values, v)) {
			return false
		}
	}
	return true
}

func taggingError(c *apiCall, e *apiError) {
	body, err := json.Marshal(map[string]string{"__type": e.shape(), "Message": e.Message})
	if err != nil {
		body = []byte(`{"__type":"InternalServiceException"}`)
	}
	c.write(e.Status, taggingContentType, body)
}
