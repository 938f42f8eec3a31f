package standin

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// querySvc is one service speaking the awsQuery protocol.
type querySvc struct {
	name    string // throttle fault Service
	version string // the API version the SDK sends
	xmlns   string
}

// queryHandler answers one awsQuery action.
type queryHandler func(*queryAPI, *apiCall, url.Values, []Fault) (any, *apiError)

var (
	elbQuery = &querySvc{
		name:    apiSvcELB,
		version: "2015-12-01",
		xmlns:   "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
	}
	asgQuery = &querySvc{
		name:    apiSvcAutoScaling,
		version: "2011-01-01",
		xmlns:   "http://autoscaling.amazonaws.com/doc/2011-01-01/",
	}
)

// handler returns the implementation of action, or nil.
func (s *querySvc) handler(action string) queryHandler {
	switch {
	case s == elbQuery && action == "DescribeTargetHealth":
		return (*queryAPI).describeTargetHealth
	case s == asgQuery && action == "DescribeAutoScalingGroups":
		return (*queryAPI).describeAutoScalingGroups
	case s == asgQuery && action == "DescribeScalingActivities":
		return (*queryAPI).describeScalingActivities
	case s == asgQuery && action == "DescribeLifecycleHooks":
		return (*queryAPI).describeLifecycleHooks
	}
	return nil
}

// queryAPI answers the awsQuery services, Elastic Load Balancing v2 and
// Auto Scaling, from the Store's target groups and Auto Scaling groups.
type queryAPI struct {
	store *Store
}

// serve answers an awsQuery request: a form whose Action names the
// operation and whose Version names the service.
func (q *queryAPI) serve(c *apiCall) {
	if err := c.r.ParseForm(); err != nil {
		c.queryError(nil, &apiError{Status: http.StatusBadRequest, Code: "MalformedQueryString",
			Message: fmt.Sprintf("stand-in AWS API: cannot parse %s %s as an AWS query request: %v", c.r.Method, c.r.URL.Path, err)})
		return
	}
	action := c.r.Form.Get("Action")
	if action == "" {
		c.queryError(nil, &apiError{Status: http.StatusBadRequest, Code: "MissingAction",
			Message: fmt.Sprintf("stand-in AWS API: %s %s is not a call of any service the stand-in knows "+
				"(no Action, X-Amz-Target, Route53 path or CloudWatch RPCv2 path)", c.r.Method, c.r.URL.Path)})
		return
	}
	svc := querySvcFor(c.r.Form.Get("Version"), action)
	if svc == nil {
		c.queryError(nil, &apiError{Status: http.StatusBadRequest, Code: "InvalidAction",
			Message: fmt.Sprintf("stand-in AWS API: operation %s (API version %q) is not implemented",
				action, c.r.Form.Get("Version"))})
		return
	}
	faults, aerr := apiFaultsInForce(q.store)
	if aerr != nil {
		c.queryError(svc, aerr)
		return
	}
	if t, aerr := apiThrottled(q.store, svc.name, faults); aerr != nil || t {
		if aerr == nil {
			aerr = errAPIThrottled(svc.name)
		}
		c.queryError(svc, aerr)
		return
	}
	handler := svc.handler(action)
	if handler == nil {
		c.queryError(svc, &apiError{Status: http.StatusBadRequest, Code: "InvalidAction",
			Message: fmt.Sprintf("stand-in AWS API: %s operation %s is not implemented", svc.name, action)})
		return
	}
	out, aerr := handler(q, c, c.r.Form, faults)
	if aerr != nil {
		c.queryError(svc, aerr)
		return
	}
	c.writeXML(http.StatusOK, out)
}

// querySvcFor picks the service by API version, or by action when the
// version is one the stand-in does not know.
func querySvcFor(version, action string) *querySvc {
	for _, s := range []*querySvc{elbQuery, asgQuery} {
		if s.version == version {
			return s
		}
	}
	for _, s := range []*querySvc{elbQuery, asgQuery} {
		if s.handler(action) != nil {
			return s
		}
	}
	return nil
}

type queryErrorResponseXML struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// queryError writes e as an awsQuery (and REST-XML) ErrorResponse.
func (c *apiCall) queryError(svc *querySvc, e *apiError) {
	var body queryErrorResponseXML
	if svc != nil {
		body.Xmlns = svc.xmlns
	}
	body.Error.Type = e.faultType()
	body.Error.Code = e.Code
	body.Error.Message = e.Message
	body.RequestID = c.id
	c.writeXML(e.Status, body)
}

// queryResponseMetadata closes every awsQuery response.
type queryResponseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// writeXML marshals v after an XML declaration.
func (c *apiCall) writeXML(status int, v any) {
	raw, err := xml.Marshal(v)
	if err != nil {
		c.write(http.StatusInternalServerError, "text/plain", []byte("stand-in AWS API: encode response: "+err.Error()))
		return
	}
	c.write(status, "text/xml", append([]byte(xml.Header), raw...))
}

// queryList reads an awsQuery list parameter: prefix.member.1,
// prefix.member.2... up to the first gap.
func queryList(form url.Values, prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		key := prefix + ".member." + strconv.Itoa(i)
		if _, ok := form[key]; !ok {
			return out
		}
		out = append(out, form.Get(key))
	}
}

// queryMembers counts the structure members of an awsQuery list whose
// members carry the field probe: prefix.member.N.probe.
func queryMembers(form url.Values, prefix, probe string) int {
	n := 0
	for {
		if _, ok := form[prefix+".member."+strconv.Itoa(n+1)+"."+probe]; !ok {
			return n
		}
		n++
	}
}

// errQueryValidation is the awsQuery services' bad-parameter error.
func errQueryValidation(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "ValidationError", Message: fmt.Sprintf(format, args...)}
}
