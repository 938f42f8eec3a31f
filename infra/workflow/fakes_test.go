package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/infra/awscheck"
	"github.com/video-platform/video-platform/infra/decide"
	"github.com/video-platform/video-platform/infra/engine"
	"github.com/video-platform/video-platform/infra/envlock"
	"github.com/video-platform/video-platform/infra/observed"
	"github.com/video-platform/video-platform/internal/topology"
)

// fakePulumi is an in-memory backend of stacks.
type fakePulumi struct {
	mu     sync.Mutex
	stacks map[string]*fakeStack
	log    []string
}

func newFakePulumi() *fakePulumi { return &fakePulumi{stacks: map[string]*fakeStack{}} }

func (p *fakePulumi) add(name string, outputs map[string]any) *fakeStack {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := &fakeStack{fakeConfig: fakeConfig{config: map[string]any{}}, name: name, p: p, outputs: outputs}
	p.stacks[name] = s
	return s
}

func (p *fakePulumi) record(ev string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = append(p.log, ev)
}

func (p *fakePulumi) events() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.log...)
}

func (p *fakePulumi) Stack(_ context.Context, name string) (engine.Stack, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.stacks[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, engine.ErrNoStack)
	}
	return s, nil
}

// fakeConfig is a stack's config as a tree, read and written by path.
type fakeConfig struct {
	cmu    sync.Mutex
	config map[string]any
	setErr map[string]error
}

// fakeStack keeps config as a tree and lets tests hook each operation.
type fakeStack struct {
	fakeConfig
	name    string
	p       *fakePulumi
	mu      sync.Mutex
	outputs map[string]any
	steps   []observed.Step
	update  *observed.Update

	// lastOpts are the options of the last preview, up or destroy.
	lastOpts engine.RunOptions
	// deployed are more resources Resources reports.
	deployed []observed.Deployed
	// records are a DNS stack's deployed weights per service and color.
	records map[string]map[string]int

	onUp      func(s *fakeStack) error
	onPreview func(s *fakeStack) error
	onDestroy func(s *fakeStack) error
	outErr    error
	ups       int
	previews  int
	destroys  int
}

func (s *fakeStack) Name() string { return s.name }

func (s *fakeStack) run(ctx context.Context, op string, o engine.RunOptions, hook func(*fakeStack) error, count *int) (engine.Result, error) {
	s.p.record("start " + op + " " + s.name)
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "%s line 1\n%s line 2\n", op, op)
	}
	s.mu.Lock()
	*count++
	s.lastOpts = o
	s.mu.Unlock()
	var err error
	if hook != nil {
		err = hook(s)
	}
	s.p.record("end " + op + " " + s.name)
	if err != nil {
		return engine.Result{}, err
	}
	if op == "up" && s.records != nil {
		s.applyRecords()
	}
	return engine.Result{Steps: s.steps, Changes: map[string]int{"same": 3, "update": 1}, Duration: 2 * time.Second}, nil
}

func (s *fakeStack) Preview(ctx context.Context, o engine.RunOptions) (engine.Result, error) {
	return s.run(ctx, "preview", o, s.onPreview, &s.previews)
}
func (s *fakeStack) Up(ctx context.Context, o engine.RunOptions) (engine.Result, error) {
	return s.run(ctx, "up", o, s.onUp, &s.ups)
}
func (s *fakeStack) Destroy(ctx context.Context, o engine.RunOptions) (engine.Result, error) {
	return s.run(ctx, "destroy", o, s.onDestroy, &s.destroys)
}

func (s *fakeConfig) GetConfig(_ context.Context, path string) (string, bool, error) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	return engine.Lookup(s.config, engine.SplitPath(path))
}

func (s *fakeConfig) SetConfig(_ context.Context, path, value string) error {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	if err := s.setErr[path]; err != nil {
		return err
	}
	parts := engine.SplitPath(path)
	s.config = setPath(s.config, parts, value).(map[string]any)
	return nil
}

func setPath(cur any, parts []string, value string) any {
	if len(parts) == 0 {
		return value
	}
	if i, err := strconv.Atoi(parts[0]); err == nil {
		list, _ := cur.([]any)
		for len(list) <= i {
			list = append(list, nil)
		}
		list[i] = setPath(list[i], parts[1:], value)
		return list
	}
	m, ok := cur.(map[string]any)
	if !ok {
		m = map[string]any{}
	}
	m[parts[0]] = setPath(m[parts[0]], parts[1:], value)
	return m
}

func (s *fakeConfig) RemoveConfig(_ context.Context, path string) error {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	parts := engine.SplitPath(path)
	var cur any = s.config
	for _, p := range parts[:len(parts)-1] {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	if m, ok := cur.(map[string]any); ok {
		delete(m, parts[len(parts)-1])
	}
	return nil
}

func (s *fakeStack) Outputs(context.Context) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.outputs, s.outErr
}

func (s *fakeStack) LastUpdate(context.Context) (*observed.Update, error) { return s.update, nil }

// Resources reports the DNS stack's weighted records from records.
func (s *fakeStack) Resources(context.Context) ([]observed.Deployed, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]observed.Deployed(nil), s.deployed...)
	for svc, colors := range s.records {
		for color, w := range colors {
			out = append(out, observed.Deployed{
				URN:  "urn:pulumi:prod-dns::video-platform::video-platform:dns:DnsRecords$aws:route53/record:Record::" + svc + "-" + color + "-a",
				Type: decide.RecordType,
				Outputs: map[string]any{"setIdentifier": color,
					"weightedRoutingPolicies": []any{map[string]any{"weight": float64(w)}}},
			})
		}
	}
	return out, nil
}

// applyRecords sets the records to what the config's live and canary ask,
// as a successful update of the DNS stack does.
func (s *fakeStack) applyRecords() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cmu.Lock()
	defer s.cmu.Unlock()
	live, _ := s.config["live"].(map[string]any)
	canary, _ := s.config["canary"].(map[string]any)
	for svc, c := range live {
		color, _ := c.(string)
		pct, _ := asInt(canary[svc])
		s.records[svc] = decide.ExpectedWeights(color, pct)
	}
}

// setJSON sets a whole top-level config object from JSON.
func (s *fakeConfig) setJSON(key, js string) {
	var v any
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		panic(err)
	}
	s.config[key] = v
}

// fakeAWS holds what the fake AWS answers; each role of awscheck.Checks
// is a view of it with that role's methods only.
type fakeAWS struct {
	mu          sync.Mutex
	targets     map[string][]awscheck.Target
	targetErr   error
	traffic     func(now time.Time) []awscheck.TrafficPoint
	trafficErr  error
	groups      []awscheck.Group
	groupsFn    func(call int) []awscheck.Group
	groupsCalls int
	markErr     error
	marks       []string
	pending     int
	queue       [2]int
	images      map[string][]awscheck.ImageTag // by repository, newest first
	alarms      map[string]awscheck.AlarmState
	clock       *fakeClock
	tagged      []awscheck.TaggedInstance
	drains      map[string]awscheck.Drain
}

// checks is the fake as the workflow sees AWS.
func (f *fakeAWS) checks() awscheck.Checks {
	return awscheck.Checks{Fleet: fakeFleet{f}, Metrics: fakeMetrics{f}, DNS: fakeDNS{f}, Registry: fakeRegistry{f}, Queues: fakeQueues{f}}
}

// The fake's roles.
type (
	fakeFleet    struct{ *fakeAWS }
	fakeMetrics  struct{ *fakeAWS }
	fakeDNS      struct{ *fakeAWS }
	fakeRegistry struct{ *fakeAWS }
	fakeQueues   struct{ *fakeAWS }
)

func (f fakeFleet) TargetHealth(_ context.Context, arn string) ([]awscheck.Target, error) {
	if f.targetErr != nil {
		return nil, f.targetErr
	}
	return f.targets[arn], nil
}

func (f fakeFleet) GroupsByTag(context.Context, string, string) ([]awscheck.Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groupsCalls++
	if f.groupsFn != nil {
		return f.groupsFn(f.groupsCalls), nil
	}
	return f.groups, nil
}

func (f fakeFleet) TaggedInstances(context.Context, string, string) ([]awscheck.TaggedInstance, error) {
	return f.tagged, nil
}

func (f fakeFleet) Drains(_ context.Context, group string, _ []string) (awscheck.Drain, error) {
	return f.drains[group], nil
}

func (f fakeMetrics) Traffic(_ context.Context, suffix string, start, end time.Time) ([]awscheck.TrafficPoint, error) {
	if f.trafficErr != nil {
		return nil, f.trafficErr
	}
	if f.traffic == nil {
		return []awscheck.TrafficPoint{{Time: start}}, nil
	}
	return f.traffic(end), nil
}

func (f fakeMetrics) AlarmStates(_ context.Context, names []string) (map[string]awscheck.AlarmState, error) {
	states := make(map[string]awscheck.AlarmState, len(names))
	for _, n := range names {
		st, ok := f.alarms[n]
		if !ok {
			st = awscheck.AlarmState{Value: awscheck.AlarmMissing}
		}
		states[n] = st
	}
	return states, nil
}

func (f fakeDNS) MarkSwap(_ context.Context, zone, name, value string) (string, error) {
	if f.markErr != nil {
		return "", f.markErr
	}
	f.marks = append(f.marks, zone+" "+name+" "+value)
	return "C123", nil
}

func (f fakeDNS) ChangeStatus(context.Context, string) (string, error) {
	if f.pending > 0 {
		f.pending--
		return awscheck.ChangePending, nil
	}
	return awscheck.ChangeInsync, nil
}

// WaitInsync answers PENDING pending times (forever when negative), as
// the SDK's waiter would see them, and tells o.Poll of each.
func (f fakeDNS) WaitInsync(ctx context.Context, id string, o awscheck.WaitOptions) error {
	for calls := 1; ; calls++ {
		status, _ := f.ChangeStatus(ctx, id)
		if f.pending < 0 {
			status = awscheck.ChangePending
		}
		if status == awscheck.ChangeInsync {
			return nil
		}
		if err := o.Poll(ctx, calls, status); err != nil {
			return fmt.Errorf("wait for route53 change %s to be INSYNC (last status %s, after %d GetChange calls): %w", id, status, calls, err)
		}
	}
}

func (f fakeQueues) QueueDepth(context.Context, string) (int, int, error) {
	return f.queue[0], f.queue[1], nil
}

func (f fakeRegistry) ImageExists(_ context.Context, repo, tag string) (bool, error) {
	for _, t := range f.images[repo] {
		if t.Tag == tag {
			return true, nil
		}
	}
	return false, nil
}

// NearestTags counts tags rather than images: the fake's images have one
// tag each unless a test says otherwise.
func (f fakeRegistry) NearestTags(_ context.Context, repo string, n int) ([]awscheck.ImageTag, error) {
	tags := f.images[repo]
	return tags[:min(max(n, 0), len(tags))], nil
}

// KeepImages changes no tag: it reports as Missing the releases the fake
// holds no image of, and nothing else.
func (f fakeRegistry) KeepImages(ctx context.Context, repo string, releases []string) (awscheck.KeepResult, error) {
	var res awscheck.KeepResult
	for _, r := range slices.Compact(slices.Sorted(slices.Values(releases))) {
		if ok, _ := f.ImageExists(ctx, repo, r); !ok {
			res.Missing = append(res.Missing, r)
		}
	}
	return res, nil
}

// fakeClock advances only when slept on.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	slept  time.Duration
	sleeps int
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept += d
	c.sleeps++
	if c.sleeps > 10000 {
		return errors.New("fake clock: too many sleeps")
	}
	return nil
}

// world is a deployed prod env with web blue live and green ready.
type world struct {
	p     *fakePulumi
	aws   *fakeAWS
	clock *fakeClock
	deps  Deps
	root  string
}

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func copyOutputs(svc, color string, desired int) map[string]any {
	return map[string]any{
		"service": svc, "color": color, "release": "2026.11.20-1",
		"capacity":       map[string]any{"min": float64(desired), "max": float64(12), "desired": float64(desired)},
		"lbArnSuffix":    "app/" + svc + "-" + color + "/abc",
		"targetGroupArn": "arn:tg/" + svc + "-" + color,
		"groupName":      "asg-" + svc + "-" + color,
	}
}

func newWorld(t *testing.T) *world {
	root := t.TempDir()
	// The commands refuse an env whose stack files do not match the
	// topology, so the project has every file, with no config in it: the
	// fake stacks hold theirs.
	for _, name := range topology.Default().StackNames() {
		require.NoError(t, os.WriteFile(filepath.Join(root, topology.StackFile(name)), []byte("config: {}\n"), 0o600), "write the stack file of %s", name)
	}
	p := newFakePulumi()
	p.add("prod", map[string]any{"queue": map[string]any{"url": "https://sqs/q"}})
	for _, svc := range []string{"recorder", "web"} {
		for _, c := range []string{"blue", "green"} {
			s := p.add("prod-"+svc+"-"+c, copyOutputs(svc, c, 3))
			s.setJSON("copy", `{"release":"2026.11.20-1","capacity":{"min":3,"max":12,"desired":3},"instanceType":"c6i.large"}`)
		}
	}
	tr := p.add("prod-transcoders", map[string]any{
		"active": "r2", "draining": []any{"r1"},
		"groups": map[string]any{"r1": "asg-tr-r1", "r2": "asg-tr-r2"},
	})
	tr.setJSON("transcoders", `{"active":"r2","draining":["r1"],"maxDraining":2}`)
	dns := p.add("prod-dns", map[string]any{
		"live":      map[string]any{"web": "blue", "recorder": "blue"},
		"previous":  map[string]any{},
		"hostnames": map[string]any{"web": "web.example.com", "recorder": "rec.example.com"},
		"zoneId":    "Z1",
	})
	dns.setJSON("live", `{"web":"blue","recorder":"blue"}`)
	dns.records = map[string]map[string]int{"web": {"blue": 100, "green": 0}, "recorder": {"blue": 100, "green": 0}}
	dns.steps = []observed.Step{
		{URN: "urn:pulumi:prod-dns::video-platform::pulumi:pulumi:Stack::video-platform-prod-dns", Type: "pulumi:pulumi:Stack", Op: "same"},
		{URN: "urn:pulumi:prod-dns::video-platform::video-platform:dns:DnsRecords::web", Type: "video-platform:dns:DnsRecords", Op: "same"},
		{URN: "urn:pulumi:prod-dns::video-platform::video-platform:dns:DnsRecords$aws:route53/record:Record::web-blue-a", Type: decide.RecordType, Op: "update"},
		{URN: "urn:pulumi:prod-dns::video-platform::video-platform:dns:DnsRecords$aws:route53/record:Record::web-green-aaaa", Type: decide.RecordType, Op: "update"},
		{URN: "urn:pulumi:prod-dns::video-platform::video-platform:dns:DnsRecords$aws:route53/record:Record::recorder-blue-a", Type: decide.RecordType, Op: "same"},
	}
	healthy := []awscheck.Target{{ID: "i-1", Port: 8080, State: "healthy"}, {ID: "i-2", Port: 8080, State: "healthy"}, {ID: "i-3", Port: 8080, State: "healthy"}}
	clock := &fakeClock{now: t0}
	a := &fakeAWS{targets: map[string][]awscheck.Target{
		"arn:tg/web-green": healthy, "arn:tg/web-blue": healthy,
		"arn:tg/recorder-green": healthy, "arn:tg/recorder-blue": healthy,
	}, clock: clock}
	for _, svc := range []string{"web", "recorder"} {
		for _, color := range []string{"blue", "green"} {
			a.groups = append(a.groups, awscheck.Group{Name: "asg-" + svc + "-" + color, Min: 3, Max: 12, Desired: 3, InService: 3,
				Tags: map[string]string{"env": "prod", "service": svc, "color": color}})
		}
	}
	w := &world{p: p, aws: a, clock: clock, root: root}
	w.deps = Deps{
		Root:     root,
		Topology: topology.Default(),
		Pulumi:   func(context.Context) (engine.Pulumi, error) { return p, nil },
		AWS:      func(context.Context, string) (awscheck.Checks, error) { return a.checks(), nil },
		Clock:    clock,
		Locker:   envlock.FileLocker{Dir: root + "/.infra-locks"},
		Poll:     10 * time.Second,
	}
	return w
}

func (w *world) stack(name string) *fakeStack { return w.p.stacks[name] }

// setGroup sets what AWS reports of an Auto Scaling group.
func (w *world) setGroup(name string, desired, inService int) {
	for i, g := range w.aws.groups {
		if g.Name == name {
			w.aws.groups[i].Desired, w.aws.groups[i].InService = desired, inService
		}
	}
}

// call runs one workflow command as infra does: on a fresh Workflow, with
// the error it returns printed to stderr and turned into the exit code.
func call[O any](w *world, cmd func(*Workflow, context.Context, O) error, o O) (int, string, string) {
	var out, errb syncBuf
	err := cmd(NewWorkflow(w.deps, &out, &errb), context.Background(), o)
	if err != nil {
		fmt.Fprintln(&errb, err)
	}
	return ExitCode(err), out.String(), errb.String()
}

// pct is a canary percent for SwapOptions.
func pct(p int) *int { return &p }

// retireProdWeb is `infra retire prod web <color>` with its flags'
// defaults, changed by edits.
func retireProdWeb(color string, edits ...func(*RetireOptions)) RetireOptions {
	o := RetireOptions{Env: "prod", Service: "web", Color: color,
		MinWait: DefaultRetireMinWait, QuietFor: DefaultRetireQuietFor, Timeout: DefaultRetireTimeout}
	for _, edit := range edits {
		edit(&o)
	}
	return o
}

// syncBuf is a goroutine-safe buffer.
type syncBuf struct {
	mu  sync.Mutex
	buf []byte
}

func (b *syncBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *syncBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

var _ io.Writer = (*syncBuf)(nil)
