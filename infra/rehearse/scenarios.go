package rehearse

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/video-platform/video-platform/components/asgpool"
	"github.com/video-platform/video-platform/internal/contract"
	"github.com/video-platform/video-platform/internal/standin"
	"github.com/video-platform/video-platform/internal/topology"
)

// The service the swap scenarios move; the recorder stays idle on one
// color so that the destroy scenarios have an idle copy to work on.
const (
	swapService = "web"
	idleService = "recorder"
)

// baseline is what every rehearsal runs first: the env up, then the next
// release on the idle web copy at the live copy's size, ready to swap.
func baseline() []Scenario {
	return []Scenario{
		{Name: "up", Play: func(ctx context.Context, s *scenarioRun) {
			code, _ := s.infra(ctx, "", "up", s.env)
			s.expect("exit", code == 0, "infra up %s exited %d", s.env, code)
			if code == 0 {
				pushImages(s)
			}
		}},
		{Name: "deploy-idle-copy", Play: func(ctx context.Context, s *scenarioRun) {
			live := liveColor(s, swapService)
			idle := topology.Other(live)
			if !deployRelease(ctx, s, swapService, idle, rehearsalRelease) {
				return
			}
			name := topology.CopyStackName(s.env, swapService, idle)
			want := groupDesired(s, swapService, live)
			s.expect("idle-copy-ready", want > 0 && groupDesired(s, swapService, idle) == want,
				"%s has desired %d, the live copy %d", name, groupDesired(s, swapService, idle), want)
		}},
	}
}

// pushImages puts in the stand-in's ECR what the application's CI would
// have pushed: every release the env's stacks name, a day apart, and the
// rehearsal's release last.
func pushImages(s *scenarioRun) {
	releases := map[string][]string{}
	for _, svc := range s.rig.topo.ServiceNames() {
		for _, color := range topology.Colors {
			cfg, err := stackConfig(s.rig.work, topology.CopyStackName(s.env, svc, color))
			if err != nil {
				s.fail("setup", "read the %s %s copy's config: %v", svc, color, err)
				return
			}
			cp, _ := cfg["video-platform:copy"].(map[string]any)
			if r, _ := cp["release"].(string); r != "" && !slices.Contains(releases[svc], r) {
				releases[svc] = append(releases[svc], r)
			}
		}
	}
	cfg, err := stackConfig(s.rig.work, topology.TranscodersStackName(s.env))
	if err != nil {
		s.fail("setup", "read the transcoders' config: %v", err)
		return
	}
	tr, _ := cfg["video-platform:transcoders"].(map[string]any)
	draining, _ := tr["draining"].([]any)
	for _, r := range append([]any{tr["active"], tr["warming"]}, draining...) {
		if r, _ := r.(string); r != "" {
			releases[asgpool.ServiceTranscoder] = append(releases[asgpool.ServiceTranscoder], r)
		}
	}
	now := s.rig.clock.Now()
	for _, tier := range slices.Sorted(maps.Keys(releases)) {
		tags := append(slices.Sorted(slices.Values(releases[tier])), rehearsalRelease)
		repo := topology.RepositoryName(s.env, tier)
		for i, tag := range tags {
			if err := s.rig.store.Registry().PushImage(repo, tag, now.Add(time.Duration(i-len(tags))*24*time.Hour)); err != nil {
				s.fail("setup", "push %s:%s to the stand-in ECR: %v", repo, tag, err)
				return
			}
		}
	}
}

// deployRelease puts release on a copy at the live copy's capacity and
// runs `infra up` on that copy only, as the runbook's first step does.
func deployRelease(ctx context.Context, s *scenarioRun, svc, color, release string) bool {
	liveName := topology.CopyStackName(s.env, svc, topology.Other(color))
	cfg, err := stackConfig(s.rig.work, liveName)
	if err != nil {
		s.fail("setup", "read %s config: %v", liveName, err)
		return false
	}
	cp, _ := cfg["video-platform:copy"].(map[string]any)
	capacity, _ := cp["capacity"].(map[string]any)
	values := map[string]string{"copy.release": release}
	for _, k := range []string{"min", "max", "desired"} {
		values["copy.capacity."+k] = fmt.Sprint(capacity[k])
	}
	name := topology.CopyStackName(s.env, svc, color)
	if !s.setConfig(ctx, name, values) {
		return false
	}
	code, _ := s.infra(ctx, "", "up", s.env, "--stack", name)
	s.expect("exit", code == 0, "infra up %s --stack %s exited %d", s.env, name, code)
	return code == 0
}

// Scenarios lists every scenario: the default run's steps in order, then
// the fault matrix.
func Scenarios() []Scenario {
	return append(defaultRun(), faultMatrix()...)
}

// ScenarioNames lists the names --scenario accepts.
func ScenarioNames() []string {
	var names []string
	for _, s := range Scenarios() {
		names = append(names, s.Name)
	}
	return names
}

// defaultRun is the runbook without faults, each step building on the
// last: swap, roll back, swap again, retire, roll the transcoders, and a
// second up that must change nothing.
func defaultRun() []Scenario {
	swap := func(name string, rollback bool) Scenario {
		return Scenario{Name: name, Play: func(ctx context.Context, s *scenarioRun) {
			from := liveColor(s, swapService)
			cmd := "swap"
			if rollback {
				cmd = "rollback"
			}
			code, _ := s.infra(ctx, swapService, cmd, s.env, swapService)
			s.expect("exit", code == 0, "infra %s exited %d", cmd, code)
			expectLive(s, swapService, topology.Other(from))
		}}
	}
	return []Scenario{
		swap("swap", false),
		swap("rollback", true),
		swap("swap-again", false),
		{Name: "retire", Play: func(ctx context.Context, s *scenarioRun) {
			old := topology.Other(liveColor(s, swapService))
			code, _ := s.infra(ctx, "", "retire", s.env, swapService, old)
			s.expect("exit", code == 0, "infra retire exited %d", code)
			d := groupDesired(s, swapService, old)
			s.expect("retired", d == 0, "the old %s copy's group has desired %d; want 0", old, d)
			expectLive(s, swapService, topology.Other(old))
		}},
		{Name: "redeploy-retired-copy", Play: func(ctx context.Context, s *scenarioRun) {
			live := liveColor(s, swapService)
			retired := topology.Other(live)
			if !deployRelease(ctx, s, swapService, retired, rehearsalRelease+"-next") {
				return
			}
			want, got := groupDesired(s, swapService, live), groupDesired(s, swapService, retired)
			s.expect("woken", want > 0 && got == want, "the retired %s copy came back with desired %d; the live copy has %d", retired, got, want)
			expectLive(s, swapService, live)
		}},
		{Name: "roll-transcoders", Play: func(ctx context.Context, s *scenarioRun) {
			previous := activeRelease(s)
			code, _ := s.infra(ctx, "", "roll", s.env, "transcoders", "--release", rehearsalRelease)
			s.expect("exit", code == 0, "infra roll exited %d", code)
			expectFleetServing(s, rehearsalRelease)
			old := s.world().groupsTagged(map[string]string{"env": s.env, "service": asgpool.ServiceTranscoder, "release": previous})
			s.expect("previous-draining", len(old) == 1 && old[0].DesiredCapacity() == 0,
				"the previous release %s has %d group(s); want one at desired 0 (draining)", previous, len(old))
		}},
		{Name: "second-up-is-noop", Play: func(ctx context.Context, s *scenarioRun) {
			s.rig.takeOutcomes()
			code, _ := s.infra(ctx, "", "up", s.env)
			s.expect("exit", code == 0, "infra up exited %d", code)
			var changed []string
			for _, o := range s.rig.takeOutcomes() {
				for op, n := range o.Changes {
					// A read is a StackReference seeing new outputs, not a change.
					if op != "same" && op != "read" && n > 0 {
						changed = append(changed, fmt.Sprintf("%s %s:%d", o.Stack, op, n))
					}
				}
			}
			slices.Sort(changed)
			s.expect("no-op", len(changed) == 0, "changes on a second up: %s", strings.Join(changed, ", "))
		}},
	}
}

// activeRelease reads the transcoders' active release from the workspace.
func activeRelease(s *scenarioRun) string {
	cfg, err := stackConfig(s.rig.work, topology.TranscodersStackName(s.env))
	if err != nil {
		s.fail("setup", "read transcoders config: %v", err)
		return ""
	}
	tr, _ := cfg["video-platform:transcoders"].(map[string]any)
	active, _ := tr["active"].(string)
	return active
}

// expectFleetServing checks that release's transcoder group takes jobs.
func expectFleetServing(s *scenarioRun, release string) {
	w := s.world()
	groups := w.groupsTagged(map[string]string{"env": s.env, "service": asgpool.ServiceTranscoder, "release": release})
	if len(groups) != 1 {
		s.fail("fleet-serving", "release %s has %d transcoder groups; want 1", release, len(groups))
		return
	}
	ok, why := w.groupReady(groups[0])
	s.expect("fleet-serving", ok, "release %s: %s", release, orElse(why, "ready, desired "+strconv.Itoa(groups[0].DesiredCapacity())))
}

func orElse(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// expectRefusedAndKept checks that a command was refused and that the
// swap service's copy of color still has its instances.
func expectRefusedAndKept(s *scenarioRun, code int, what, color string) {
	s.expect("refused", code != 0, "%s exited %d; it must refuse", what, code)
	d := groupDesired(s, swapService, color)
	s.expect("copy-kept", d > 0, "the %s copy's group has desired %d after %s", color, d, what)
}

// swapTarget returns the live and idle colors of the swap service.
func swapTarget(s *scenarioRun) (live, idle string) {
	live = liveColor(s, swapService)
	return live, topology.Other(live)
}

// copyTags selects a copy's resources for an API fault.
func copyTags(svc, color string) map[string]string {
	return map[string]string{"service": svc, "color": color}
}

// recordName is the logical name of a service's weighted A record for a
// color (components/dnsrecords names it <service>-<color>-a).
func recordName(svc, color string) string { return svc + "-" + color + "-a" }

// faultMatrix is --faults: each scenario starts from the baseline, injects
// its fault and checks that traffic is never stranded.
func faultMatrix() []Scenario {
	swapWith := func(name, what string, faults func(s *scenarioRun, live, idle string) []standin.Fault, after func(s *scenarioRun, live, idle string, code int)) Scenario {
		return Scenario{Name: name, Fault: what, InMatrix: true, Play: func(ctx context.Context, s *scenarioRun) {
			live, idle := swapTarget(s)
			s.inject(faults(s, live, idle)...)
			code, _ := s.infra(ctx, swapService, "swap", s.env, swapService)
			after(s, live, idle, code)
		}}
	}
	refused := func(s *scenarioRun, live, _ string, code int) {
		s.expect("refused", code != 0, "the swap exited %d; it must refuse", code)
		expectLive(s, swapService, live)
	}
	return []Scenario{
		swapWith("swap-update-fails-new-record", "the Route53 update of the new live color's record fails",
			func(s *scenarioRun, _, idle string) []standin.Fault {
				return []standin.Fault{{Kind: standin.FaultFail, Op: standin.OpUpdate, Stack: topology.DNSStackName(s.env), Name: recordName(swapService, idle)}}
			},
			func(*scenarioRun, string, string, int) {}),
		swapWith("swap-update-fails-old-record", "the Route53 update of the old live color's record fails",
			func(s *scenarioRun, live, _ string) []standin.Fault {
				return []standin.Fault{{Kind: standin.FaultFail, Op: standin.OpUpdate, Stack: topology.DNSStackName(s.env), Name: recordName(swapService, live)}}
			},
			func(*scenarioRun, string, string, int) {}),
		swapWith("swap-target-unhealthy", "every target of the idle copy fails its health checks",
			func(_ *scenarioRun, _, idle string) []standin.Fault {
				return []standin.Fault{{Kind: standin.FaultTargetsUnhealthy, Tags: copyTags(swapService, idle)}}
			}, refused),
		swapWith("swap-target-short-of-capacity", "the idle copy has only one instance in service",
			func(s *scenarioRun, _, idle string) []standin.Fault {
				return []standin.Fault{{Kind: standin.FaultShortOfCapacity, Tags: copyTags(swapService, idle), Count: max(groupDesired(s, swapService, idle)-1, 1)}}
			}, refused),
		swapWith("swap-insync-timeout", "Route53 keeps the swap's change PENDING",
			func(*scenarioRun, string, string) []standin.Fault {
				return []standin.Fault{{Kind: standin.FaultChangePending}}
			},
			func(s *scenarioRun, _, idle string, code int) {
				s.expect("exit", code != 0, "the swap exited %d; an unconfirmed propagation must not pass as done", code)
				expectLive(s, swapService, idle)
			}),
		swapWith("swap-throttled", "the first two ELB and Auto Scaling calls are throttled",
			func(*scenarioRun, string, string) []standin.Fault {
				return []standin.Fault{
					{Kind: standin.FaultThrottle, Service: "elasticloadbalancing", Count: 2},
					{Kind: standin.FaultThrottle, Service: "autoscaling", Count: 2},
				}
			},
			func(s *scenarioRun, _, idle string, code int) {
				s.expect("exit", code == 0, "the swap exited %d; throttling is retried", code)
				expectLive(s, swapService, idle)
			}),
		swapWith("swap-record-update-slow", "each Route53 record update takes 3 s",
			func(s *scenarioRun, _, _ string) []standin.Fault {
				return []standin.Fault{{Kind: standin.FaultSlow, Op: standin.OpUpdate, Type: recordType, Delay: "3s"}}
			},
			func(s *scenarioRun, _, idle string, code int) {
				s.expect("exit", code == 0, "the swap exited %d", code)
				expectLive(s, swapService, idle)
			}),
		{Name: "swap-preview-events-lost", Fault: "the preview's engine events never reach infra (the stream ends early); its summary still counts changes", InMatrix: true,
			Play: func(ctx context.Context, s *scenarioRun) {
				live, _ := swapTarget(s)
				s.rig.losePreviewEvents.Store(true)
				defer s.rig.losePreviewEvents.Store(false)
				code, _ := s.infra(ctx, swapService, "swap", s.env, swapService)
				s.expect("refused", code != 0, "the swap exited %d; without the preview's steps it cannot know that only DNS changes", code)
				expectLive(s, swapService, live)
			}},
		{Name: "swap-concurrent", Fault: "two operators swap the same service at once", InMatrix: true, Play: playConcurrentSwaps},
		{Name: "up-live-copy-to-zero", Fault: "the live copy's config is scaled to 0 and deployed with infra up", InMatrix: true,
			Play: func(ctx context.Context, s *scenarioRun) {
				live, _ := swapTarget(s)
				name := topology.CopyStackName(s.env, swapService, live)
				if !s.setConfig(ctx, name, map[string]string{"copy.capacity.min": "0", "copy.capacity.max": "0", "copy.capacity.desired": "0"}) {
					return
				}
				s.infra(ctx, "", "up", s.env, "--stack", name)
			}},
		{Name: "up-dns-live-change", Fault: "the DNS stack's live color is edited in its config and deployed with infra up", InMatrix: true,
			Play: func(ctx context.Context, s *scenarioRun) {
				live, idle := swapTarget(s)
				if !s.setConfig(ctx, topology.DNSStackName(s.env), map[string]string{"live." + swapService: idle}) {
					return
				}
				code, _ := s.infra(ctx, "", "up", s.env, "--stack", topology.DNSStackName(s.env))
				s.expect("refused", code != 0, "infra up of a live change exited %d; it must send the operator to infra swap", code)
				expectLive(s, swapService, live)
			}},
		{Name: "up-stack-file-missing", Fault: "another service's copy stack file is missing when infra up --stack deploys a release to the idle copy", InMatrix: true,
			Play: upWithAStackFileMissing},
		{Name: "destroy-canary-target", Fault: "infra destroy of the copy that takes a 10% canary", InMatrix: true,
			Play: func(ctx context.Context, s *scenarioRun) {
				_, idle := swapTarget(s)
				if code, _ := s.infra(ctx, swapService, "swap", s.env, swapService, "--canary", "10"); code != 0 {
					s.fail("setup", "the canary swap exited %d", code)
					return
				}
				code, _ := s.infra(ctx, "", "destroy", s.env, "--stack", topology.CopyStackName(s.env, swapService, idle))
				expectRefusedAndKept(s, code, "destroy of the canary target", idle)
			}},
		{Name: "destroy-live-copy", Fault: "infra destroy of the live copy", InMatrix: true,
			Play: func(ctx context.Context, s *scenarioRun) {
				live, _ := swapTarget(s)
				code, _ := s.infra(ctx, "", "destroy", s.env, "--stack", topology.CopyStackName(s.env, swapService, live))
				expectRefusedAndKept(s, code, "destroy of the live copy", live)
			}},
		{Name: "retire-live-color", Fault: "infra retire of the live color", InMatrix: true,
			Play: func(ctx context.Context, s *scenarioRun) {
				live, _ := swapTarget(s)
				code, _ := s.infra(ctx, "", "retire", s.env, swapService, live)
				expectRefusedAndKept(s, code, "retire of the live color", live)
			}},
		{Name: "retire-with-residual-traffic", Fault: "the old copy's load balancer keeps 5 requests a minute after a swap", InMatrix: true,
			Play: func(ctx context.Context, s *scenarioRun) {
				live, idle := swapTarget(s)
				if code, _ := s.infra(ctx, swapService, "swap", s.env, swapService); code != 0 {
					s.fail("setup", "the swap before the retire exited %d", code)
					return
				}
				s.inject(standin.Fault{Kind: standin.FaultResidualTraffic, Tags: copyTags(swapService, live), Count: 5})
				code, _ := s.infra(ctx, "", "retire", s.env, swapService, live, "--timeout", "45m")
				expectRefusedAndKept(s, code, "retire with residual traffic (it must wait and give up)", live)
				expectLive(s, swapService, idle)
			}},
		{Name: "retire-metrics-error", Fault: "CloudWatch fails every GetMetricData after a swap", InMatrix: true,
			Play: func(ctx context.Context, s *scenarioRun) {
				live, _ := swapTarget(s)
				if code, _ := s.infra(ctx, swapService, "swap", s.env, swapService); code != 0 {
					s.fail("setup", "the swap before the retire exited %d", code)
					return
				}
				s.inject(standin.Fault{Kind: standin.FaultMetricsError})
				code, _ := s.infra(ctx, "", "retire", s.env, swapService, live)
				expectRefusedAndKept(s, code, "retire without metrics (unknown traffic is not no traffic)", live)
			}},
		{Name: "up-idle-copy-update-fails", Fault: "the launch template update of the idle copy fails during a release", InMatrix: true,
			Play: func(ctx context.Context, s *scenarioRun) {
				live, idle := swapTarget(s)
				name := topology.CopyStackName(s.env, swapService, idle)
				s.inject(standin.Fault{Kind: standin.FaultFail, Op: standin.OpUpdate, Stack: name, Type: "aws:ec2/launchTemplate:LaunchTemplate"})
				if !s.setConfig(ctx, name, map[string]string{"copy.release": rehearsalRelease + "-2"}) {
					return
				}
				code, _ := s.infra(ctx, "", "up", s.env, "--stack", name)
				s.expect("exit", code != 0, "the failed update exited %d", code)
				expectLive(s, swapService, live)
			}},
		{Name: "roll-new-release-never-ready", Fault: "no instance of the new transcoder release ever comes into service", InMatrix: true,
			Play: func(ctx context.Context, s *scenarioRun) {
				previous := activeRelease(s)
				s.inject(standin.Fault{Kind: standin.FaultShortOfCapacity, Tags: map[string]string{"service": asgpool.ServiceTranscoder, "release": rehearsalRelease}})
				code, _ := s.infra(ctx, "", "roll", s.env, "transcoders", "--release", rehearsalRelease, "--timeout", "20m")
				s.expect("exit", code != 0, "the roll exited %d; a release that never becomes ready fails the roll", code)
				expectFleetServing(s, previous)
				left := s.world().groupsTagged(map[string]string{"env": s.env, "service": asgpool.ServiceTranscoder, "release": rehearsalRelease})
				s.expect("new-group-removed", len(left) == 0, "the release that never became ready still has %d group(s)", len(left))
			}},
		{Name: "roll-crash-between-phases", Fault: "the roll's process dies after phase 1: the new release warms beside the active one", InMatrix: true,
			Play: func(ctx context.Context, s *scenarioRun) {
				previous := activeRelease(s)
				name := topology.TranscodersStackName(s.env)
				if !s.setConfig(ctx, name, map[string]string{"transcoders.warming": rehearsalRelease}) {
					return
				}
				if code, _ := s.infra(ctx, "", "up", s.env, "--stack", name); code != 0 {
					s.fail("setup", "phase 1's up exited %d", code)
					return
				}
				expectFleetServing(s, previous)
				code, _ := s.infra(ctx, "", "roll", s.env, "transcoders", "--release", rehearsalRelease)
				s.expect("exit", code == 0, "re-running the roll exited %d; it must finish", code)
				expectFleetServing(s, rehearsalRelease)
				old := s.world().groupsTagged(map[string]string{"env": s.env, "service": asgpool.ServiceTranscoder, "release": previous})
				s.expect("previous-draining", len(old) == 1 && old[0].DesiredCapacity() == 0, "the previous release %s has %d group(s); want one at desired 0 (draining)", previous, len(old))
			}},
		{Name: "roll-gc-terminating-wait", Fault: "an instance of the draining release waits in Terminating:Wait on its termination hook while roll --gc runs", InMatrix: true,
			Play: playRollGCTerminatingWait},
		{Name: "release-happy-path", Fault: "none: a new image goes from the registry to live with a 10% canary", InMatrix: true,
			Play: playReleaseHappyPath},
		{Name: "release-missing-image", Fault: "the release's image was never pushed", InMatrix: true,
			Play: playReleaseMissingImage},
		{Name: "release-alarm-fires-auto-rollback", Fault: "the new color's error-rate alarm fires during the watch", InMatrix: true,
			Play: playReleaseAlarmRollback},
		{Name: "release-resume-after-crash", Fault: "the release dies at its swap (the DNS records' update fails); the same command is run again", InMatrix: true,
			Play: playReleaseResume},
		{Name: "housekeeping-retires-drained-copy", Fault: "none: the copy a swap left behind has no traffic", InMatrix: true,
			Play: playHousekeepingRetires},
		{Name: "housekeeping-keeps-copy-with-traffic", Fault: "the copy a swap left behind keeps traffic, past --max-idle", InMatrix: true,
			Play: playHousekeepingKeepsTraffic},
		{Name: "housekeeping-never-touches-live", Fault: "housekeeping runs while the idle copy holds a staged release and takes a canary", InMatrix: true,
			Play: playHousekeepingNeverTouchesLive},
		{Name: "status-read-error-no-phantom", Fault: "reading the idle web copy's outputs fails while infra status runs", InMatrix: true,
			Play: func(ctx context.Context, s *scenarioRun) {
				_, idle := swapTarget(s)
				name := topology.CopyStackName(s.env, swapService, idle)
				s.rig.unreadableOutputs.Store(name)
				defer s.rig.unreadableOutputs.Store("")
				code, out := s.infra(ctx, "", "status", s.env)
				s.expect("no-phantom", code == 1 && !strings.Contains(out, "PHANTOM"),
					"infra status exited %d (want 1: a failed read, not 3: phantoms); phantoms reported: %v", code, strings.Contains(out, "PHANTOM"))
				s.expect("read-error-named", strings.Contains(out, "outputs of "+name), "the failed read of %s is reported", name)
			}},
		{Name: "destroy-idle-copy-then-swap", Fault: "the idle recorder copy is destroyed, then web swaps, then the recorder copy is recreated and made live", InMatrix: true,
			Play: playDestroyIdleThenSwap},
	}
}

// playRollGCTerminatingWait rolls, holds one instance of the now draining
// release in Terminating:Wait, and runs the gc: the release and its group
// must stay while the instance finishes its job, and go once it is gone.
func playRollGCTerminatingWait(ctx context.Context, s *scenarioRun) {
	previous := activeRelease(s)
	if code, _ := s.infra(ctx, "", "roll", s.env, "transcoders", "--release", rehearsalRelease); code != 0 {
		s.fail("setup", "the roll to %s exited %d", rehearsalRelease, code)
		return
	}
	tags := map[string]string{"env": s.env, "service": asgpool.ServiceTranscoder, "release": previous}
	s.inject(standin.Fault{Kind: standin.FaultTerminatingWait, Tags: tags, Count: 1,
		Since: s.rig.clock.Now().Add(-10 * time.Minute).UTC().Format(time.RFC3339)})
	code, _ := s.infra(ctx, "", "roll", s.env, "transcoders", "--gc")
	s.expect("gc-exit", code == 0, "roll --gc exited %d", code)
	s.expect("release-kept", slices.Contains(drainingReleases(s), previous),
		"release %s was dropped from transcoders.draining while an instance still finished a job", previous)
	groups := s.world().groupsTagged(tags)
	s.expect("group-kept", len(groups) == 1, "release %s has %d group(s) while its instance drains; want 1", previous, len(groups))

	// The hook completes: the instance terminates and the group is empty.
	s.inject()
	code, _ = s.infra(ctx, "", "roll", s.env, "transcoders", "--gc")
	s.expect("gc-exit-empty", code == 0, "roll --gc exited %d once the group was empty", code)
	s.expect("release-dropped", !slices.Contains(drainingReleases(s), previous), "release %s is still draining after its last instance left", previous)
	groups = s.world().groupsTagged(tags)
	s.expect("group-deleted", len(groups) == 0, "release %s still has %d group(s) after gc", previous, len(groups))
	expectFleetServing(s, rehearsalRelease)
}

// releaseTag is the image the release scenarios push and release.
const releaseTag = "2099.02.01-release"

// pushRelease pushes the release scenarios' image of svc.
func pushRelease(s *scenarioRun, svc string) bool {
	if err := s.rig.store.Registry().PushImage(topology.RepositoryName(s.env, svc), releaseTag, s.rig.clock.Now()); err != nil {
		s.fail("setup", "push %s: %v", releaseTag, err)
		return false
	}
	return true
}

// copyRuns says whether a copy's group runs release at a serving size.
func copyRuns(s *scenarioRun, svc, color, release string) (bool, string) {
	groups := s.world().groupsTagged(map[string]string{"env": s.env, "service": svc, "color": color, "release": release})
	if len(groups) != 1 {
		return false, fmt.Sprintf("the %s %s copy has %d group(s) tagged release %s", svc, color, len(groups), release)
	}
	return s.world().groupReady(groups[0])
}

func playReleaseHappyPath(ctx context.Context, s *scenarioRun) {
	live, target := swapTarget(s)
	if !pushRelease(s, swapService) {
		return
	}
	before := groupDesired(s, swapService, live)
	code, _ := s.infra(ctx, swapService, "release", s.env, swapService, releaseTag, "--canary", "10", "--step", "2m", "--watch", "5m")
	s.expect("exit", code == 0, "infra release exited %d", code)
	expectLive(s, swapService, target)
	ok, why := copyRuns(s, swapService, target, releaseTag)
	s.expect("new-release-serving", ok, "%s", orElse(why, "the new copy runs "+releaseTag))
	d := groupDesired(s, swapService, live)
	s.expect("old-copy-kept", d == before, "the old %s copy has desired %d, was %d: it must keep running for a rollback", live, d, before)
}

func playReleaseMissingImage(ctx context.Context, s *scenarioRun) {
	live, target := swapTarget(s)
	before := s.world().groupsTagged(map[string]string{"env": s.env, "service": swapService, "color": target})
	code, out := s.infra(ctx, swapService, "release", s.env, swapService, "2099.12.31-never-pushed")
	s.expect("refused", code == 1, "infra release of a missing image exited %d; want 1", code)
	expectLive(s, swapService, live)
	after := s.world().groupsTagged(map[string]string{"env": s.env, "service": swapService, "color": target})
	s.expect("idle-copy-untouched", len(before) == 1 && len(after) == 1 && before[0].Tags()["release"] == after[0].Tags()["release"],
		"the idle copy's release changed although the image is missing")
	s.expect("names-the-tags", strings.Contains(out, rehearsalRelease), "the refusal does not name the newest tags (%s)", rehearsalRelease)
}

func playReleaseAlarmRollback(ctx context.Context, s *scenarioRun) {
	live, target := swapTarget(s)
	if !pushRelease(s, swapService) {
		return
	}
	// The watch's second look at the alarms sees the error rate fire.
	s.inject(standin.Fault{Kind: standin.FaultAlarm, Tags: map[string]string{"service": swapService, "color": target, "alarm": "error-rate"},
		Nth: 2, Reason: "Threshold Crossed: 1 datapoint [12.5] was greater than the threshold (5.0)"})
	code, out := s.infra(ctx, swapService, "release", s.env, swapService, releaseTag, "--watch", "10m")
	s.expect("exit", code == 1, "infra release exited %d; an alarm during the watch exits 1", code)
	expectLive(s, swapService, live)
	s.expect("names-the-alarm", strings.Contains(out, "error-rate"), "the output does not name the alarm that fired")
	d := groupDesired(s, swapService, target)
	s.expect("new-copy-kept", d > 0, "the rolled-back %s copy has desired %d; it stays up for inspection", target, d)
	// Running it again is refused: the release was rolled back.
	s.inject()
	code, _ = s.infra(ctx, swapService, "release", s.env, swapService, releaseTag)
	s.expect("rerun-refused", code == 1, "re-running a rolled-back release exited %d; want 1", code)
	expectLive(s, swapService, live)
}

func playReleaseResume(ctx context.Context, s *scenarioRun) {
	_, target := swapTarget(s)
	if !pushRelease(s, swapService) {
		return
	}
	s.inject(standin.Fault{Kind: standin.FaultFail, Op: standin.OpUpdate, Type: "aws:route53/record:Record", Stack: topology.DNSStackName(s.env)})
	code, _ := s.infra(ctx, swapService, "release", s.env, swapService, releaseTag, "--watch", "5m")
	s.expect("first-run-fails", code == 1, "the release whose swap fails exited %d; want 1", code)
	ok, why := copyRuns(s, swapService, target, releaseTag)
	s.expect("deployed-before-the-crash", ok, "%s", orElse(why, "the idle copy runs "+releaseTag))
	s.inject()
	code, _ = s.infra(ctx, swapService, "release", s.env, swapService, releaseTag, "--watch", "5m")
	s.expect("resumed", code == 0, "the re-run exited %d; it must finish the release", code)
	expectLive(s, swapService, target)
}

// swapAndAge swaps the swap service and lets time pass, as an operator
// would between a swap and housekeeping's next run.
func swapAndAge(ctx context.Context, s *scenarioRun, d time.Duration) (old string, ok bool) {
	old, _ = swapTarget(s)
	if code, _ := s.infra(ctx, swapService, "swap", s.env, swapService); code != 0 {
		s.fail("setup", "the swap exited %d", code)
		return old, false
	}
	s.rig.clock.Advance(d)
	return old, true
}

func playHousekeepingRetires(ctx context.Context, s *scenarioRun) {
	old, ok := swapAndAge(ctx, s, time.Hour)
	if !ok {
		return
	}
	code, _ := s.infra(ctx, "", "housekeeping", s.env)
	s.expect("exit", code == 0, "infra housekeeping exited %d", code)
	d := groupDesired(s, swapService, old)
	s.expect("retired", d == 0, "the drained %s copy has desired %d; want 0", old, d)
	expectLive(s, swapService, topology.Other(old))
}

func playHousekeepingKeepsTraffic(ctx context.Context, s *scenarioRun) {
	old, ok := swapAndAge(ctx, s, time.Hour)
	if !ok {
		return
	}
	before := groupDesired(s, swapService, old)
	s.inject(standin.Fault{Kind: standin.FaultResidualTraffic, Tags: copyTags(swapService, old), Count: 4})
	code, _ := s.infra(ctx, "", "housekeeping", s.env)
	s.expect("exit-waiting", code == 0, "housekeeping exited %d while the old copy drains within --max-idle", code)
	s.expect("kept", groupDesired(s, swapService, old) == before, "the %s copy with traffic was scaled to %d", old, groupDesired(s, swapService, old))
	s.rig.clock.Advance(24 * time.Hour)
	code, _ = s.infra(ctx, "", "housekeeping", s.env)
	s.expect("exit-reported", code == 1, "housekeeping exited %d with a copy that kept traffic past --max-idle; want 1", code)
	s.expect("still-kept", groupDesired(s, swapService, old) == before, "the %s copy with traffic was scaled to %d past --max-idle", old, groupDesired(s, swapService, old))
	expectLive(s, swapService, topology.Other(old))
}

func playHousekeepingNeverTouchesLive(ctx context.Context, s *scenarioRun) {
	live, idle := swapTarget(s)
	liveBefore, idleBefore := groupDesired(s, swapService, live), groupDesired(s, swapService, idle)
	s.rig.clock.Advance(48 * time.Hour)
	code, _ := s.infra(ctx, "", "housekeeping", s.env)
	s.expect("exit", code == 0, "infra housekeeping exited %d", code)
	s.expect("staged-kept", groupDesired(s, swapService, idle) == idleBefore, "the idle copy with a staged release went from %d to %d", idleBefore, groupDesired(s, swapService, idle))
	if code, _ := s.infra(ctx, swapService, "swap", s.env, swapService, "--canary", "10"); code != 0 {
		s.fail("setup", "the canary exited %d", code)
		return
	}
	s.rig.clock.Advance(48 * time.Hour)
	code, _ = s.infra(ctx, "", "housekeeping", s.env)
	s.expect("exit-canary", code == 0, "infra housekeeping exited %d with a canary", code)
	s.expect("canary-kept", groupDesired(s, swapService, idle) == idleBefore, "the canary target went from %d to %d", idleBefore, groupDesired(s, swapService, idle))
	s.expect("live-kept", groupDesired(s, swapService, live) == liveBefore, "the live copy went from %d to %d", liveBefore, groupDesired(s, swapService, live))
	have := s.world().weights(swapService)
	s.expect("weights-kept", have[idle] == 10 && have[live] == 90, "%s records %v; the canary must stay at 10%%", swapService, have)
}

// drainingReleases reads transcoders.draining from the workspace.
func drainingReleases(s *scenarioRun) []string {
	cfg, err := stackConfig(s.rig.work, topology.TranscodersStackName(s.env))
	if err != nil {
		s.fail("setup", "read transcoders config: %v", err)
		return nil
	}
	tr, _ := cfg["video-platform:transcoders"].(map[string]any)
	list, _ := tr["draining"].([]any)
	var out []string
	for _, r := range list {
		if str, ok := r.(string); ok {
			out = append(out, str)
		}
	}
	return out
}

// playConcurrentSwaps runs two swaps of the same service at once, from two
// infra processes as two operators would: one must win, the other must be
// refused, and the records must end on one color.
func playConcurrentSwaps(ctx context.Context, s *scenarioRun) {
	if s.rig.infraBin == "" {
		s.fail("setup", "no infra binary to run a second operator's process (Options.Infra)")
		return
	}
	before := s.world()
	_, idle := swapTarget(s)
	var wg sync.WaitGroup
	codes, outs := make([]int, 2), make([]string, 2)
	start := time.Now()
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], outs[i] = s.rig.infraProcess(ctx, fmt.Sprintf("operator-%d", i+1), "swap", s.env, swapService)
		}()
	}
	wg.Wait()
	for i := range 2 {
		s.record(fmt.Sprintf("infra swap %s %s (operator %d of 2, own process)", s.env, swapService, i+1), codes[i], outs[i], start)
		// The refused operator is judged on what it said, not on the
		// records the winner moved.
		from := before
		if codes[i] != 0 {
			from = s.world()
		}
		s.standard(from, outs[i], codes[i], swapService)
	}
	won := 0
	for _, c := range codes {
		if c == 0 {
			won++
		}
	}
	s.expect("one-winner", won == 1, "%d of 2 concurrent swaps succeeded (exits %v); want exactly 1", won, codes)
	expectLive(s, swapService, idle)
}

// playDestroyIdleThenSwap is the wedged-copy procedure: destroy the idle
// copy, check another service still swaps, recreate the copy and make it
// live.
func playDestroyIdleThenSwap(ctx context.Context, s *scenarioRun) {
	live := liveColor(s, idleService)
	idle := topology.Other(live)
	name := topology.CopyStackName(s.env, idleService, idle)
	code, _ := s.infra(ctx, "", "destroy", s.env, "--stack", name)
	s.expect("destroyed", code == 0 && len(s.world().groupsTagged(map[string]string{"env": s.env, "service": idleService, "color": idle})) == 0,
		"infra destroy --stack %s exited %d", name, code)
	_, webIdle := swapTarget(s)
	code, _ = s.infra(ctx, swapService, "swap", s.env, swapService)
	s.expect("other-service-swaps", code == 0, "the %s swap after destroying %s exited %d", swapService, name, code)
	expectLive(s, swapService, webIdle)
	if !deployRelease(ctx, s, idleService, idle, rehearsalRelease) {
		return
	}
	code, _ = s.infra(ctx, idleService, "swap", s.env, idleService)
	s.expect("recreated-goes-live", code == 0, "the %s swap to the recreated copy exited %d", idleService, code)
	expectLive(s, idleService, idle)
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// upWithAStackFileMissing deploys the live copy's release to the idle copy
// with `infra up --stack` while another service's copy has no stack file.
// The whole env is refused as a config error before anything runs, and the
// idle copy keeps its release; with the file back, the same command
// deploys it, which also shows the refusal left no lock behind.
func upWithAStackFileMissing(ctx context.Context, s *scenarioRun) {
	live, idle := swapTarget(s)
	name := topology.CopyStackName(s.env, swapService, idle)
	liveCfg, err := stackConfig(s.rig.work, topology.CopyStackName(s.env, swapService, live))
	if err != nil {
		s.fail("setup", "read the live copy's config: %v", err)
		return
	}
	cp, _ := liveCfg["video-platform:copy"].(map[string]any)
	next, _ := cp["release"].(string)
	before := groupRelease(s, swapService, idle)
	if next == "" || next == before {
		s.fail("setup", "the live copy's release %q is no new release for the idle copy (%q)", next, before)
		return
	}
	var other string
	for _, svc := range s.rig.topo.ServiceNames() {
		if svc != swapService {
			other = svc
			break
		}
	}
	if other == "" {
		s.fail("setup", "the topology declares no service besides %s", swapService)
		return
	}
	if !s.setConfig(ctx, name, map[string]string{"copy.release": next}) {
		return
	}
	missing := topology.StackFile(topology.CopyStackName(s.env, other, idle))
	path := filepath.Join(s.rig.work, missing)
	saved, err := os.ReadFile(path) //nolint:gosec // inside the rehearsal's own work copy
	if err == nil {
		err = os.Remove(path)
	}
	if err != nil {
		s.fail("setup", "take %s away: %v", missing, err)
		return
	}

	code, out := s.infra(ctx, "", "up", s.env, "--stack", name)
	s.expect("refused-as-config-error", code == 2, "infra up --stack %s with %s missing exited %d; want 2", name, missing, code)
	s.expect("names-the-file", strings.Contains(out, missing), "the refusal names %s", missing)
	s.expect("copy-untouched", groupRelease(s, swapService, idle) == before,
		"the %s copy's group runs %q after the refusal; it ran %q", idle, groupRelease(s, swapService, idle), before)

	if err := os.WriteFile(path, saved, 0o600); err != nil { //nolint:gosec // inside the rehearsal's own work copy
		s.fail("setup", "put %s back: %v", missing, err)
		return
	}
	code, _ = s.infra(ctx, "", "up", s.env, "--stack", name)
	s.expect("deployed-with-the-file-back", code == 0 && groupRelease(s, swapService, idle) == next,
		"with %s back, infra up exited %d and the %s copy's group runs %q; want 0 and %q", missing, code, idle, groupRelease(s, swapService, idle), next)
}

// groupRelease is the release tag of a copy's group, or "" when it has not
// exactly one.
func groupRelease(s *scenarioRun, svc, color string) string {
	groups := s.world().groupsTagged(map[string]string{"env": s.env, "service": svc, "color": color})
	if len(groups) != 1 {
		return ""
	}
	return groups[0].Tags()[contract.TagRelease]
}
