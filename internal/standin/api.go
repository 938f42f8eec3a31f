package standin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Resource type tokens the API reads. pulumi-aws also registers the alb
// module's aliases of the lb types, so both spellings are accepted.
const (
	apiTypeASG             = "aws:autoscaling/group:Group"
	apiTypeTargetGroup     = "aws:lb/targetGroup:TargetGroup"
	apiTypeTargetGroupALB  = "aws:alb/targetGroup:TargetGroup"
	apiTypeLoadBalancer    = "aws:lb/loadBalancer:LoadBalancer"
	apiTypeLoadBalancerALB = "aws:alb/loadBalancer:LoadBalancer"
	apiTypeQueue           = "aws:sqs/queue:Queue"
)

// Service names as a throttle fault spells them (APIServices).
const (
	apiSvcAutoScaling = "autoscaling"
	apiSvcELB         = "elasticloadbalancing"
	apiSvcCloudWatch  = "monitoring"
	apiSvcRoute53     = "route53"
	apiSvcSQS         = "sqs"
)

// apiMaxRequestBody bounds what one request may send; infra's calls are a few
// kilobytes at most.
const apiMaxRequestBody = 4 << 20

// API answers the AWS calls infra makes, from the Store's resources and
// faults. It serves every service on one HTTP handler and tells them apart
// by their wire protocol: awsQuery (form Action) for Elastic Load Balancing
// v2 and Auto Scaling, REST-XML paths for Route53, awsJson1_0
// (X-Amz-Target) for SQS and DynamoDB, awsJson1_1 (X-Amz-Target) for ECR
// and the Resource Groups Tagging API, and RPCv2 CBOR for CloudWatch. It
// reads the Store on every request, because the provider plugin processes
// write it while the API runs. Signatures are not checked. Each service is
// answered by a value of its own (ecrAPI, route53API...) holding only what
// that service reads; API tells the services apart and keeps the public
// surface.
type API struct {
	store      *Store
	cloudWatch *cloudWatchAPI
	dynamoDB   *dynamoDBAPI
	ecr        *ecrAPI
	query      *queryAPI
	route53    *route53API
	sqs        *sqsAPI
	tagging    *taggingAPI
}

// NewAPI returns an API over store.
func NewAPI(store *Store) *API {
	return &API{
		store:      store,
		cloudWatch: &cloudWatchAPI{store: store},
		dynamoDB:   &dynamoDBAPI{store: store, tables: ddbTables{store: store}},
		ecr:        &ecrAPI{store: store, registry: store.Registry()},
		query:      &queryAPI{store: store},
		route53:    &route53API{store: store},
		sqs:        &sqsAPI{store: store},
		tagging:    &taggingAPI{store: store},
	}
}

// ServeHTTP implements http.Handler for every service the API stands in
// for; calls it does not implement are answered with an error in the
// caller's protocol that names the operation.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, apiMaxRequestBody)
	c := &apiCall{w: w, r: r, id: apiRequestID()}
	w.Header().Set("X-Amzn-RequestId", c.id)
	switch {
	case strings.HasPrefix(r.URL.Path, "/service/"):
		a.cloudWatch.serve(c)
	case ddbIsTarget(r.Header.Get("X-Amz-Target")):
		a.dynamoDB.serve(c)
	case taggingIsTarget(r.Header.Get("X-Amz-Target")):
		a.tagging.serve(c)
	case ecrIsTarget(r.Header.Get("X-Amz-Target")):
		a.ecr.serve(c)
	case r.Header.Get("X-Amz-Target") != "":
		a.sqs.serve(c)
	case strings.HasPrefix(r.URL.Path, route53Prefix):
		a.route53.serve(c)
	default:
		a.query.serve(c)
	}
}

// Serve listens on 127.0.0.1:0 and returns the base URL
// ("http://127.0.0.1:PORT") and a stop function. Stop shuts the server down
// and may be called more than once.
func (a *API) Serve() (url string, stop func() error, err error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("stand-in AWS API: listen: %w", err)
	}
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	stop = sync.OnceValue(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(ctx)
		if serveErr := <-done; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
			err = errors.Join(err, serveErr)
		}
		if err != nil {
			return fmt.Errorf("stand-in AWS API: stop: %w", err)
		}
		return nil
	})
	return "http://" + ln.Addr().String(), stop, nil
}

// apiCall is one request being answered.
type apiCall struct {
	w  http.ResponseWriter
	r  *http.Request
	id string
}

// apiError is an AWS error as one service's protocol puts it on the wire.
type apiError struct {
	// Status is the HTTP status code.
	Status int
	// Code is the error code the service's SDK matches on (for the JSON
	// and CBOR services: the awsQuery code sent in X-Amzn-Query-Error).
	Code string
	// Shape names the modeled error structure for the JSON and CBOR
	// protocols' __type; empty means Code.
	Shape string
	// Message is the human-readable text.
	Message string
	// Server marks a Receiver (server-side) fault rather than a Sender one.
	Server bool
}

func (e *apiError) faultType() string {
	if e.Server {
		return "Receiver"
	}
	return "Sender"
}

func (e *apiError) shape() string {
	if e.Shape != "" {
		return e.Shape
	}
	return e.Code
}

// errAPIInternal turns a failure of the stand-in itself (an unreadable Store,
// a bad fault file) into a retryable server error.
func errAPIInternal(err error) *apiError {
	return &apiError{Status: http.StatusInternalServerError, Code: "InternalFailure", Server: true,
		Message: "stand-in AWS API: " + err.Error()}
}

// errAPIThrottled is the throttling error of the query and REST-XML services;
// the SDKs retry "Throttling" with backoff.
func errAPIThrottled(service string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "Throttling",
		Message: "Rate exceeded (stand-in throttle fault on " + service + ")"}
}

// apiFaultsInForce reads the faults in force.
func apiFaultsInForce(store *Store) ([]Fault, *apiError) {
	faults, err := store.Faults()
	if err != nil {
		return nil, errAPIInternal(err)
	}
	return faults, nil
}

// apiThrottled says whether this call to service is one of the first Count
// calls a throttle fault holds back. The counter lives in the Store, so
// calls count across processes; it only moves while a throttle fault for
// the service is in force.
func apiThrottled(store *Store, service string, faults []Fault) (bool, *apiError) {
	limit := 0
	for _, f := range faults {
		if f.Kind == FaultThrottle && f.Service == service {
			limit = max(limit, f.Count)
		}
	}
	if limit == 0 {
		return false, nil
	}
	n, err := store.Next("throttle:" + service)
	if err != nil {
		return false, errAPIInternal(err)
	}
	return n <= limit, nil
}

// apiResourcesOf returns the resources of any of the given types.
func apiResourcesOf(store *Store, types ...string) ([]Resource, *apiError) {
	all, err := store.List()
	if err != nil {
		return nil, errAPIInternal(err)
	}
	var out []Resource
	for _, r := range all {
		for _, t := range types {
			if r.Type == t {
				out = append(out, r)
				break
			}
		}
	}
	return out, nil
}

// apiFaultsOf returns the faults of one kind.
func apiFaultsOf(faults []Fault, kind string) []Fault {
	var out []Fault
	for _, f := range faults {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

// apiRequestID returns a random request ID shaped like AWS's.
func apiRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// write sends a response body; a failed write means the caller went away,
// and there is nobody left to tell.
func (c *apiCall) write(status int, contentType string, body []byte) {
	c.w.Header().Set("Content-Type", contentType)
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
}
