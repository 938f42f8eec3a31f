package topology

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/video-platform/video-platform/internal/contract"
)

// ConfigKey is the project config key that declares the topology, in
// Pulumi.yaml, so that every stack and every tool reads the same one.
const ConfigKey = "topology"

// DefaultRegion is the region of an env whose declaration names none.
const DefaultRegion = "us-east-1"

// Env is a declared environment.
type Env struct {
	// Region is the AWS region every stack of the env deploys to; the
	// stack files' aws:region must name it.
	Region string `json:"region"`
	// Production switches on the production rules: at least three AZs,
	// a NAT gateway per AZ, an alert subscriber and on-demand transcoders.
	Production bool `json:"production"`
}

// Topology is the project's declared envs and blue-green services.
type Topology struct {
	// Envs by name.
	Envs map[string]Env `json:"envs"`
	// Services are the blue-green services by name.
	Services map[string]ServiceProfile `json:"services"`
}

// Default is the topology of a project whose config declares none:
// staging and prod in us-east-1, and the web and recorder services.
func Default() *Topology {
	return &Topology{
		Envs: map[string]Env{
			"staging": {Region: DefaultRegion},
			"prod":    {Region: DefaultRegion, Production: true},
		},
		Services: defaultServices(),
	}
}

// DeclError is one bad value in the topology declaration.
type DeclError struct {
	// Path is the value's path under the topology key, such as
	// "services.api.port".
	Path string
	// Value is the value as declared; nil when it is missing.
	Value any
	// Problem says what is wrong, when "is not accepted" is not enough.
	Problem string
	// Accepted says what would be.
	Accepted string
}

func (e *DeclError) Error() string {
	msg := e.Path + " " + e.Statement()
	if e.Accepted != "" {
		msg += "; accepted: " + e.Accepted
	}
	return msg
}

// Statement is what the error says of its path: "= <value> <problem>", or
// only the problem when the value is missing or beside the point.
func (e *DeclError) Statement() string {
	switch {
	case e.Problem == "":
		return "= " + showValue(e.Value) + " is not accepted"
	case e.Value == nil:
		return e.Problem
	default:
		return "= " + showValue(e.Value) + " " + e.Problem
	}
}

func showValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "(unset)"
	case string:
		return fmt.Sprintf("%q", v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	}
}

const (
	maxPort       = 65535
	regionExample = "an AWS region such as us-east-1 or eu-west-1"
)

// The declaration as written: each entry is read on its own, so that an
// error names the entry; pointers tell a value left out, which takes its
// default, from an explicit zero, which is checked as given.
type declared struct {
	Envs     map[string]json.RawMessage `json:"envs"`
	Services map[string]json.RawMessage `json:"services"`
}

type envDecl struct {
	Region     *string `json:"region"`
	Production *bool   `json:"production"`
}

type serviceDecl struct {
	Port                       *int         `json:"port"`
	HealthPath                 *string      `json:"healthPath"`
	Stickiness                 *bool        `json:"stickiness"`
	DeregistrationDelaySeconds *int         `json:"deregistrationDelaySeconds"`
	DrainHeartbeatSeconds      *int         `json:"drainHeartbeatSeconds"`
	IdleTimeoutSeconds         *int         `json:"idleTimeoutSeconds"`
	Scaling                    *scalingDecl `json:"scaling"`
}

type scalingDecl struct {
	Metric *string  `json:"metric"`
	Target *float64 `json:"target"`
}

// Decode reads the topology config's JSON value. An empty value ("", "{}"
// or null) is Default; a declared envs or services object replaces the
// default one as a whole, so the declaration is the whole list. Every bad
// value is reported, each as a *DeclError.
func Decode(raw string) (*Topology, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" || raw == "null" {
		return Default(), nil
	}
	var d declared
	if err := strictDecode(raw, "", &d); err != nil {
		return nil, err
	}
	t := Default()
	var errs []error
	if d.Envs != nil {
		t.Envs = map[string]Env{}
		if len(d.Envs) == 0 {
			errs = append(errs, &DeclError{Path: "envs", Value: map[string]any{}, Problem: "declares no env", Accepted: "at least one env, such as {staging: {region: us-east-1}}"})
		}
		for _, name := range slices.Sorted(maps.Keys(d.Envs)) {
			var e *envDecl
			if err := strictDecode(string(d.Envs[name]), "envs."+name+".", &e); err != nil {
				errs = append(errs, err)
				continue
			}
			env, err := resolveEnv(name, e)
			errs = append(errs, err...)
			t.Envs[name] = env
		}
	}
	if d.Services != nil {
		t.Services = map[string]ServiceProfile{}
		for _, name := range slices.Sorted(maps.Keys(d.Services)) {
			var sd *serviceDecl
			if err := strictDecode(string(d.Services[name]), "services."+name+".", &sd); err != nil {
				errs = append(errs, err)
				continue
			}
			svc, err := resolveService(name, sd)
			errs = append(errs, err...)
			t.Services[name] = svc
		}
	}
	errs = append(errs, t.ambiguous()...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return t, nil
}

func resolveEnv(name string, d *envDecl) (Env, []error) {
	var errs []error
	if !contract.ValidName(name) {
		errs = append(errs, &DeclError{Path: "envs." + name, Value: name, Problem: "is not an env name", Accepted: contract.NameAccepted})
	}
	env := Env{Region: DefaultRegion}
	if d == nil {
		return env, errs
	}
	if d.Region != nil {
		env.Region = *d.Region
		if !contract.RegionPattern.MatchString(env.Region) {
			errs = append(errs, &DeclError{Path: "envs." + name + ".region", Value: env.Region, Accepted: regionExample})
		}
	}
	if d.Production != nil {
		env.Production = *d.Production
	}
	return env, errs
}

func resolveService(name string, d *serviceDecl) (ServiceProfile, []error) {
	var errs []error
	path := "services." + name
	fail := func(field string, v any, accepted string) {
		errs = append(errs, &DeclError{Path: path + "." + field, Value: v, Accepted: accepted})
	}
	if !contract.ValidName(name) {
		errs = append(errs, &DeclError{Path: path, Value: name, Problem: "is not a service name", Accepted: contract.NameAccepted})
	}
	if name == TranscoderService {
		errs = append(errs, &DeclError{Path: path, Value: name, Problem: "is the transcoder fleet's name, which is not blue-green", Accepted: "another name"})
	}
	p := serviceDefaults
	if d == nil || d.Port == nil {
		errs = append(errs, &DeclError{Path: path + ".port", Problem: "is required", Accepted: fmt.Sprintf("the service's container port, 1 to %d", maxPort)})
		return p, errs
	}
	p.Port = *d.Port
	if p.Port < 1 || p.Port > maxPort {
		fail("port", p.Port, fmt.Sprintf("1 to %d", maxPort))
	}
	if d.HealthPath != nil {
		p.HealthPath = *d.HealthPath
		if !strings.HasPrefix(p.HealthPath, "/") {
			fail("healthPath", p.HealthPath, "an absolute path such as /healthz")
		}
	}
	set := func(dst *int, src *int, field string) {
		if src == nil {
			return
		}
		*dst = *src
		if *src < 0 {
			fail(field, *src, "a whole number of seconds >= 0")
		}
	}
	set(&p.DeregistrationDelaySeconds, d.DeregistrationDelaySeconds, "deregistrationDelaySeconds")
	set(&p.DrainHeartbeatSeconds, d.DrainHeartbeatSeconds, "drainHeartbeatSeconds")
	set(&p.IdleTimeoutSeconds, d.IdleTimeoutSeconds, "idleTimeoutSeconds")
	if d.Stickiness != nil {
		p.Stickiness = *d.Stickiness
	}
	if d.Scaling != nil {
		if d.Scaling.Metric != nil {
			p.Scaling.Metric = *d.Scaling.Metric
		}
		if d.Scaling.Target != nil {
			p.Scaling.Target = *d.Scaling.Target
		}
	}
	return p, errs
}

// ambiguous refuses two declarations that would name the same stack, such
// as an env "prod-web-blue" beside the prod env's web service.
func (t *Topology) ambiguous() []error {
	seen := map[string]string{}
	var errs []error
	for _, env := range t.EnvNames() {
		for _, id := range t.EnvStacks(env) {
			if first, ok := seen[id.Name]; ok {
				errs = append(errs, &DeclError{Path: "envs." + env, Value: env,
					Problem: fmt.Sprintf("names the stack %s, which %s already names", id.Name, first), Accepted: "env and service names that make distinct stack names"})
				continue
			}
			seen[id.Name] = "env " + env
		}
	}
	return errs
}

// strictDecode reads one JSON value, refusing unknown fields and trailing
// text, and names a bad field by its path: prefix, then the field.
func strictDecode(raw, prefix string, v any) error {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			return &DeclError{Path: prefix + "(value)", Problem: "has text after its JSON value", Accepted: "one JSON object"}
		}
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		path := prefix + te.Field
		if te.Field == "" {
			path = strings.TrimSuffix(prefix, ".")
		}
		return &DeclError{Path: path, Problem: "is a JSON " + te.Value, Accepted: "a " + jsonKind(te.Type.String())}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &DeclError{Path: prefix + "(value)", Problem: fmt.Sprintf("is not JSON: %v at byte %d", se, se.Offset),
			Accepted: "{envs: {<env>: {region, production}}, services: {<service>: {port, ...}}}"}
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return &DeclError{Path: prefix + strings.Trim(field, `"`), Problem: "is not a field of the topology",
			Accepted: "envs.<env>: region, production; services.<service>: port, healthPath, stickiness, deregistrationDelaySeconds, drainHeartbeatSeconds, idleTimeoutSeconds, scaling.metric, scaling.target"}
	}
	return &DeclError{Path: prefix + "(value)", Problem: err.Error()}
}

func jsonKind(goType string) string {
	switch {
	case strings.Contains(goType, "int"), strings.Contains(goType, "float"):
		return "number"
	case strings.Contains(goType, "bool"):
		return "boolean (true or false)"
	case strings.Contains(goType, "string"):
		return "string"
	default:
		return "object"
	}
}
