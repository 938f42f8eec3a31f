package standin

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

const (
	route53Prefix = "/2013-04-01/"
	route53Xmlns  = "https://route53.amazonaws.com/doc/2013-04-01/"

	// route53File holds the changes submitted and the record sets they
	// left, in the Store's directory so every process sees them.
	route53File     = "route53-changes.json"
	route53LockFile = ".route53.lock"

	route53Pending = "PENDING"
	route53Insync  = "INSYNC"
)

// route53Svc shapes Route53's errors, which are awsQuery's ErrorResponse in
// Route53's namespace.
var route53Svc = &querySvc{name: apiSvcRoute53, xmlns: route53Xmlns}

// Route53Change is one record change submitted through
// ChangeResourceRecordSets. The changes of one batch share an ID.
type Route53Change struct {
	// ID is the change ID without the "/change/" prefix, e.g.
	// "C2682N5HXP0BZ4".
	ID string `json:"id"`
	// Zone is the hosted zone ID as the request's path carried it.
	Zone string `json:"zone"`
	// Action is CREATE, DELETE or UPSERT.
	Action string `json:"action"`
	// Name is the record name as submitted.
	Name string `json:"name"`
	// Type is the record type, e.g. TXT.
	Type string `json:"type"`
	// TTL is the record's TTL in seconds (0 for alias records).
	TTL int64 `json:"ttl,omitempty"`
	// Values are the record values as submitted (TXT values keep their
	// quotes).
	Values []string `json:"values,omitempty"`
	// Alias is the alias target's DNS name, for alias records.
	Alias string `json:"alias,omitempty"`
	// Comment is the batch's comment.
	Comment string `json:"comment,omitempty"`
	// SubmittedAt is when the stand-in received the batch (wall clock).
	SubmittedAt time.Time `json:"submittedAt"`
}

// Route53Record is a record set as the submitted changes left it.
type Route53Record struct {
	// Zone is the hosted zone ID.
	Zone string `json:"zone"`
	// Name is the record name, lower case with a trailing dot as Route53
	// stores it.
	Name string `json:"name"`
	// Type is the record type.
	Type string `json:"type"`
	// TTL is the record's TTL in seconds.
	TTL int64 `json:"ttl,omitempty"`
	// Values are the record values.
	Values []string `json:"values,omitempty"`
	// Alias is the alias target's DNS name, for alias records.
	Alias string `json:"alias,omitempty"`
	// ChangeID is the change that last wrote the record.
	ChangeID string `json:"changeId"`
}

type route53State struct {
	Changes []Route53Change `json:"changes"`
	Records []Route53Record `json:"records"`
}

// Changes lists the Route53 record changes submitted so far, by this or
// any other process using the Store, oldest first.
func (a *API) Changes() ([]Route53Change, error) {
	st, err := readRoute53(a.store.Dir())
	if err != nil {
		return nil, err
	}
	return st.Changes, nil
}

// Records lists the record sets the submitted changes have written, by
// zone, name and type.
func (a *API) Records() ([]Route53Record, error) {
	st, err := readRoute53(a.store.Dir())
	if err != nil {
		return nil, err
	}
	return st.Records, nil
}

func readRoute53(dir string) (route53State, error) {
	var st route53State
	raw, err := os.ReadFile(filepath.Join(dir, route53File)) //nolint:gosec // path is inside the store
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("stand-in route53 changes: %w", err)
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return st, fmt.Errorf("stand-in route53 changes %s: %w", route53File, err)
	}
	return st, nil
}

// updateRoute53 applies fn to the Route53 state under an flock, so
// concurrent writers in several processes do not lose each other's
// changes, and writes the result atomically when fn succeeds.
func updateRoute53(dir string, fn func(*route53State) error) error {
	lock, err := os.OpenFile(filepath.Join(dir, route53LockFile), os.O_CREATE|os.O_RDWR, 0o600) //nolint:gosec // path is inside the store
	if err != nil {
		return err
	}
	defer func() { _ = lock.Close() }()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil { //nolint:gosec // a file descriptor fits an int
		return err
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }() //nolint:gosec // as above
	st, err := readRoute53(dir)
	if err != nil {
		return err
	}
	if err := fn(&st); err != nil {
		return err
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, route53File), data)
}

// route53API answers Route53's record change calls, keeping the changes
// and the record sets they leave in the Store's directory.
type route53API struct {
	store *Store
}

// serve answers the REST-XML calls under /2013-04-01/.
func (r53 *route53API) serve(c *apiCall) {
	rest := strings.Trim(strings.TrimPrefix(c.r.URL.Path, route53Prefix), "/")
	parts := strings.Split(rest, "/")
	op := route53Operation(c.r.Method, parts)
	faults, aerr := apiFaultsInForce(r53.store)
	if aerr != nil {
		c.queryError(route53Svc, aerr)
		return
	}
	if t, aerr := apiThrottled(r53.store, apiSvcRoute53, faults); aerr != nil || t {
		if aerr == nil {
			aerr = errAPIThrottled(apiSvcRoute53)
		}
		c.queryError(route53Svc, aerr)
		return
	}
	switch op {
	case "ChangeResourceRecordSets":
		r53.changeResourceRecordSets(c, parts[1])
	case "GetChange":
		r53.getChange(c, parts[1], faults)
	default:
		c.queryError(route53Svc, &apiError{Status: http.StatusBadRequest, Code: "InvalidAction",
			Message: "stand-in AWS API: Route53 operation " + op + " is not implemented"})
	}
}

// route53Operation names the call a method and path make, so that even an
// unimplemented one is reported by name.
func route53Operation(method string, parts []string) string {
	switch {
	case method == http.MethodPost && len(parts) == 3 && parts[0] == "hostedzone" && parts[2] == "rrset":
		return "ChangeResourceRecordSets"
	case method == http.MethodGet && len(parts) == 3 && parts[0] == "hostedzone" && parts[2] == "rrset":
		return "ListResourceRecordSets"
	case method == http.MethodGet && len(parts) == 2 && parts[0] == "change":
		return "GetChange"
	case method == http.MethodGet && len(parts) == 2 && parts[0] == "hostedzone":
		return "GetHostedZone"
	case method == http.MethodGet && len(parts) == 1 && parts[0] == "hostedzone":
		return "ListHostedZones"
	case method == http.MethodGet && len(parts) == 1 && parts[0] == "hostedzonesbyname":
		return "ListHostedZonesByName"
	}
	return method + " " + route53Prefix + strings.Join(parts, "/")
}

type route53BatchXML struct {
	XMLName xml.Name `xml:"ChangeResourceRecordSetsRequest"`
	Comment string   `xml:"ChangeBatch>Comment"`
	Changes []struct {
		Action string `xml:"Action"`
		RRSet  struct {
			Name   string   `xml:"Name"`
			Type   string   `xml:"Type"`
			TTL    int64    `xml:"TTL"`
			Values []string `xml:"ResourceRecords>ResourceRecord>Value"`
			Alias  string   `xml:"AliasTarget>DNSName"`
		} `xml:"ResourceRecordSet"`
	} `xml:"ChangeBatch>Changes>Change"`
}

type route53ChangeInfoXML struct {
	ID          string `xml:"Id"`
	Status      string `xml:"Status"`
	SubmittedAt string `xml:"SubmittedAt"`
	Comment     string `xml:"Comment,omitempty"`
}

type route53ChangeXML struct {
	XMLName    xml.Name
	Xmlns      string               `xml:"xmlns,attr"`
	ChangeInfo route53ChangeInfoXML `xml:"ChangeInfo"`
}

type route53InvalidBatchXML struct {
	XMLName   xml.Name `xml:"InvalidChangeBatch"`
	Xmlns     string   `xml:"xmlns,attr"`
	Messages  []string `xml:"Messages>Message"`
	RequestID string   `xml:"RequestId"`
}

// route53InvalidBatch carries the messages of a rejected change batch.
type route53InvalidBatch []string

func (e route53InvalidBatch) Error() string { return strings.Join(e, "; ") }

// changeResourceRecordSets records a change batch against any zone and
// answers PENDING with a new change ID. The batch is checked the way
// Route53 checks it: CREATE of an existing record and DELETE of a missing
// or different one reject the whole batch.
func (r53 *route53API) changeResourceRecordSets(c *apiCall, zone string) {
	var req route53BatchXML
	if err := xml.NewDecoder(c.r.Body).Decode(&req); err != nil {
		c.queryError(route53Svc, &apiError{Status: http.StatusBadRequest, Code: "InvalidInput",
			Message: "stand-in AWS API: ChangeResourceRecordSets body is not a ChangeResourceRecordSetsRequest: " + err.Error()})
		return
	}
	if len(req.Changes) == 0 {
		c.queryError(route53Svc, &apiError{Status: http.StatusBadRequest, Code: "InvalidInput",
			Message: "ChangeBatch must hold at least one change"})
		return
	}
	id := route53ChangeID()
	now := time.Now().UTC().Truncate(time.Millisecond)
	err := updateRoute53(r53.store.Dir(), func(st *route53State) error {
		records := slices.Clone(st.Records)
		var problems route53InvalidBatch
		var changes []Route53Change
		for _, ch := range req.Changes {
			rr := ch.RRSet
			change := Route53Change{ID: id, Zone: zone, Action: ch.Action, Name: rr.Name, Type: rr.Type,
				TTL: rr.TTL, Values: rr.Values, Alias: rr.Alias, Comment: req.Comment, SubmittedAt: now}
			rec := Route53Record{Zone: zone, Name: route53Name(rr.Name), Type: rr.Type, TTL: rr.TTL,
				Values: rr.Values, Alias: rr.Alias, ChangeID: id}
			if rr.Name == "" || rr.Type == "" {
				problems = append(problems, "every change needs a record Name and Type")
				continue
			}
			at := slices.IndexFunc(records, func(r Route53Record) bool {
				return r.Zone == rec.Zone && r.Name == rec.Name && r.Type == rec.Type
			})
			switch ch.Action {
			case "CREATE":
				if at >= 0 {
					problems = append(problems, fmt.Sprintf("Tried to create resource record set [name='%s', type='%s'] but it already exists", rec.Name, rec.Type))
					continue
				}
				records = append(records, rec)
			case "UPSERT":
				if at >= 0 {
					records[at] = rec
				} else {
					records = append(records, rec)
				}
			case "DELETE":
				if at < 0 || !slices.Equal(records[at].Values, rec.Values) || records[at].Alias != rec.Alias {
					problems = append(problems, fmt.Sprintf("Tried to delete resource record set [name='%s', type='%s'] but it was not found", rec.Name, rec.Type))
					continue
				}
				records = slices.Delete(records, at, at+1)
			default:
				problems = append(problems, fmt.Sprintf("Action %q is not CREATE, DELETE or UPSERT", ch.Action))
				continue
			}
			changes = append(changes, change)
		}
		if len(problems) > 0 {
			return problems
		}
		slices.SortFunc(records, func(x, y Route53Record) int {
			return strings.Compare(x.Zone+"\x00"+x.Name+"\x00"+x.Type, y.Zone+"\x00"+y.Name+"\x00"+y.Type)
		})
		st.Records = records
		st.Changes = append(st.Changes, changes...)
		return nil
	})
	var invalid route53InvalidBatch
	switch {
	case errors.As(err, &invalid):
		c.writeXML(http.StatusBadRequest, route53InvalidBatchXML{Xmlns: route53Xmlns, Messages: invalid, RequestID: c.id})
		return
	case err != nil:
		c.queryError(route53Svc, errAPIInternal(err))
		return
	}
	c.writeXML(http.StatusOK, route53ChangeXML{
		XMLName: xml.Name{Local: "ChangeResourceRecordSetsResponse"},
		Xmlns:   route53Xmlns,
		ChangeInfo: route53ChangeInfoXML{ID: "/change/" + id, Status: route53Pending,
			SubmittedAt: now.Format(route53Time), Comment: req.Comment},
	})
}

const route53Time = "2006-01-02T15:04:05.000Z"

// getChange answers GetChange: INSYNC, or PENDING while a change-pending
// fault is in force; an unknown ID is NoSuchChange.
func (r53 *route53API) getChange(c *apiCall, id string, faults []Fault) {
	id = strings.TrimPrefix(id, "/change/")
	st, err := readRoute53(r53.store.Dir())
	if err != nil {
		c.queryError(route53Svc, errAPIInternal(err))
		return
	}
	at := slices.IndexFunc(st.Changes, func(ch Route53Change) bool { return ch.ID == id })
	if at < 0 {
		c.queryError(route53Svc, &apiError{Status: http.StatusNotFound, Code: "NoSuchChange",
			Message: "A change with the specified change ID does not exist: " + id})
		return
	}
	status := route53Insync
	if len(apiFaultsOf(faults, FaultChangePending)) > 0 {
		status = route53Pending
	}
	ch := st.Changes[at]
	c.writeXML(http.StatusOK, route53ChangeXML{
		XMLName: xml.Name{Local: "GetChangeResponse"},
		Xmlns:   route53Xmlns,
		ChangeInfo: route53ChangeInfoXML{ID: "/change/" + id, Status: status,
			SubmittedAt: ch.SubmittedAt.UTC().Format(route53Time), Comment: ch.Comment},
	})
}

// route53ChangeID returns a random ID shaped like Route53's ("C" and 13
// upper-case letters and digits).
func route53ChangeID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	return "C" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

// route53Name is a record name as Route53 keeps it: lower case, with a
// trailing dot.
func route53Name(name string) string {
	name = strings.ToLower(name)
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}
