package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/video-platform/video-platform/internal/topology"
	"github.com/video-platform/video-platform/policies/rules"
)

// serveEnvVar makes the test binary act as the policy pack, so the protocol
// test talks to a real analyzer process without a separate `go build`.
const serveEnvVar = "VIDEO_PLATFORM_POLICIES_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(serveEnvVar) == "1" {
		if err := serve(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestNewPackMirrorsRules(t *testing.T) {
	for _, env := range []string{"staging", "prod"} {
		s, err := stackScope("", "video-platform", env)
		require.NoError(t, err, "the default topology")
		pack, err := newPack(s)
		require.NoError(t, err, "pack builds for %s", env)
		assert.Equal(t, PackName, pack.Name(), "pack name matches PulumiPolicy.yaml")
		policies := pack.Policies()
		require.Len(t, policies, len(rules.Rules()), "one policy per rule")
		for i, r := range rules.Rules() {
			p := policies[i]
			assert.Equal(t, r.Name, p.Name(), "policy %d keeps rule order", i)
			assert.Equal(t, toEnforcement(r.DefaultLevel(env == "prod")), p.EnforcementLevel(), "%s default level in %s", r.Name, env)
			_, isStack := p.(policyx.StackValidationPolicy)
			assert.Equal(t, r.Stack != nil, isStack, "%s is a stack policy iff it has a stack check", r.Name)
		}
	}
}

func TestToPlain(t *testing.T) {
	in := property.NewMap(map[string]property.Value{
		"httpTokens": property.New(property.Computed),
		"password":   property.New("hunter2").WithSecret(true),
		"count":      property.New(3.0),
		"nested": property.New(property.NewMap(map[string]property.Value{
			"list": property.New(property.NewArray([]property.Value{property.New(true), property.New(property.Null)})),
		})),
	})
	got := toPlainMap(in)
	assert.Equal(t, map[string]any{
		"httpTokens": rules.UnknownMarker,
		"password":   rules.SecretMarker,
		"count":      3.0,
		"nested":     map[string]any{"list": []any{true, nil}},
	}, got, "computed and secret values become markers, the rest plain JSON")
}

func TestResolveEnv(t *testing.T) {
	assert.Equal(t, "prod", resolveEnv(map[string]any{"env": "prod"}, map[string]string{"env": "staging"}, "dev"), "policy config wins")
	assert.Equal(t, "staging", resolveEnv(nil, map[string]string{"env": "staging"}, "dev"), "stack tag next")
	assert.Equal(t, "dev", resolveEnv(nil, nil, "dev"), "stack name last")
}

// startAnalyzer runs this test binary as the policy pack and connects to it
// the way the Pulumi engine does: read the port from stdout, dial gRPC.
func startAnalyzer(t *testing.T) pulumirpc.AnalyzerClient {
	t.Helper()
	cmd := exec.Command(os.Args[0]) //nolint:gosec // re-runs this test binary itself as the policy pack
	cmd.Env = append(os.Environ(), serveEnvVar+"=1")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err, "stdout pipe")
	require.NoError(t, cmd.Start(), "start analyzer process")
	t.Cleanup(func() {
		if err := cmd.Process.Kill(); err != nil {
			t.Logf("kill analyzer: %v", err)
		}
		// Wait reports our own kill as an ExitError; anything else is worth seeing.
		var exitErr *exec.ExitError
		if err := cmd.Wait(); err != nil && !errors.As(err, &exitErr) {
			t.Logf("wait for analyzer: %v", err)
		}
	})

	type portLine struct {
		port string
		err  error
	}
	portCh := make(chan portLine, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		portCh <- portLine{strings.TrimSpace(line), err}
	}()
	var port string
	select {
	case got := <-portCh:
		require.NoError(t, got.err, "read the analyzer's port line")
		port = got.port
	case <-time.After(60 * time.Second):
		t.Fatal("analyzer did not print its port within 60s")
	}
	require.Regexp(t, `^[0-9]+$`, port, "analyzer must print its port first")

	conn, err := grpc.NewClient("127.0.0.1:"+port, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err, "dial analyzer")
	t.Cleanup(func() {
		if err := conn.Close(); err != nil {
			t.Logf("close conn: %v", err)
		}
	})
	return pulumirpc.NewAnalyzerClient(conn)
}

func mustStruct(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	require.NoError(t, err, "fixture converts to a protobuf struct")
	return s
}

func launchTemplate(httpTokens string) map[string]any {
	return map[string]any{
		"instanceType":    "c6i.large",
		"metadataOptions": map[string]any{"httpTokens": httpTokens},
		"tags":            map[string]any{"env": "prod", "service": "recorder", "managed-by": "pulumi"},
	}
}

func diagnosticsByPolicy(ds []*pulumirpc.AnalyzeDiagnostic) map[string]*pulumirpc.AnalyzeDiagnostic {
	out := map[string]*pulumirpc.AnalyzeDiagnostic{}
	for _, d := range ds {
		out[d.GetPolicyName()] = d
	}
	return out
}

func TestAnalyzerProtocol(t *testing.T) {
	client := startAnalyzer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	_, err := client.Handshake(ctx, &pulumirpc.AnalyzerHandshakeRequest{})
	require.NoError(t, err, "Handshake")
	_, err = client.ConfigureStack(ctx, &pulumirpc.AnalyzerStackConfigureRequest{
		Stack: "prod", Project: "video-platform", Tags: map[string]string{"env": "prod"},
	})
	require.NoError(t, err, "ConfigureStack")

	info, err := client.GetAnalyzerInfo(ctx, &emptypb.Empty{})
	require.NoError(t, err, "GetAnalyzerInfo")
	assert.Equal(t, PackName, info.GetName(), "pack name")
	var names []string
	levels := map[string]pulumirpc.EnforcementLevel{}
	for _, p := range info.GetPolicies() {
		names = append(names, p.GetName())
		levels[p.GetName()] = p.GetEnforcementLevel()
	}
	var want []string
	for _, r := range rules.Rules() {
		want = append(want, r.Name)
	}
	assert.Equal(t, want, names, "engine sees every rule by its stable name")
	assert.Equal(t, pulumirpc.EnforcementLevel_MANDATORY, levels["alb-deletion-protection"], "deletion protection is mandatory on a prod stack")
	assert.Equal(t, pulumirpc.EnforcementLevel_ADVISORY, levels["capacity-cap"], "capacity cap is advisory")

	const urn = "urn:pulumi:prod::video-platform::aws:ec2/launchTemplate:LaunchTemplate::recorder-lt"
	analyze := func() map[string]*pulumirpc.AnalyzeDiagnostic {
		resp, err := client.Analyze(ctx, &pulumirpc.AnalyzeRequest{
			Type: rules.TypeLaunchTemplate, Name: "recorder-lt", Urn: urn,
			Properties: mustStruct(t, launchTemplate("optional")),
		})
		require.NoError(t, err, "Analyze")
		return diagnosticsByPolicy(resp.GetDiagnostics())
	}

	got := analyze()
	require.Len(t, got, 1, "only IMDSv2 is violated: %v", got)
	d := got["launch-template-imdsv2"]
	require.NotNil(t, d, "diagnostic for launch-template-imdsv2")
	assert.Equal(t, pulumirpc.EnforcementLevel_MANDATORY, d.GetEnforcementLevel(), "default level is mandatory")
	assert.Equal(t, urn, d.GetUrn(), "diagnostic points at the resource")
	assert.Contains(t, d.GetMessage(), `launch template "recorder-lt"`, "message names the resource")
	assert.Contains(t, d.GetMessage(), `set metadataOptions.httpTokens = "required"`, "message gives the fix")

	// Policy config as the engine sends it after reading --policy-pack-config.
	_, err = client.Configure(ctx, &pulumirpc.ConfigureAnalyzerRequest{PolicyConfig: map[string]*pulumirpc.PolicyConfig{
		"launch-template-imdsv2": {EnforcementLevel: pulumirpc.EnforcementLevel_ADVISORY},
		"instance-types-allowed": {
			EnforcementLevel: pulumirpc.EnforcementLevel_MANDATORY,
			Properties:       mustStruct(t, map[string]any{"allowedInstanceTypes": []any{"m7i.large"}}),
		},
	}})
	require.NoError(t, err, "Configure")
	got = analyze()
	require.Contains(t, got, "launch-template-imdsv2", "still violated after reconfigure")
	assert.Equal(t, pulumirpc.EnforcementLevel_ADVISORY, got["launch-template-imdsv2"].GetEnforcementLevel(), "config overrides the level")
	require.Contains(t, got, "instance-types-allowed", "config thresholds reach the rule")
	assert.Contains(t, got["instance-types-allowed"].GetMessage(), `"c6i.large"`, "message names the rejected type")

	record := func(name string, weight float64) *pulumirpc.AnalyzerResource {
		return &pulumirpc.AnalyzerResource{
			Type: rules.TypeRecord, Name: name,
			Urn: "urn:pulumi:prod::video-platform::aws:route53/record:Record::" + name,
			Properties: mustStruct(t, map[string]any{
				"name": "app.example.com", "type": "A",
				"weightedRoutingPolicies": []any{map[string]any{"weight": weight}},
				"aliases":                 []any{map[string]any{"name": "alb.example.com", "zoneId": "Z1"}},
			}),
		}
	}
	stack, err := client.AnalyzeStack(ctx, &pulumirpc.AnalyzeStackRequest{Resources: []*pulumirpc.AnalyzerResource{record("blue", 0), record("green", 0)}})
	require.NoError(t, err, "AnalyzeStack")
	sd := diagnosticsByPolicy(stack.GetDiagnostics())
	require.Contains(t, sd, "dns-swap-records", "stack rules run under AnalyzeStack")
	assert.Contains(t, sd["dns-swap-records"].GetMessage(), "total weight 0", "stack message explains the problem")
}

// analyzerLevels configures a fresh analyzer for stack with the given
// stack config, as the engine does, and returns the policies' levels.
func analyzerLevels(t *testing.T, stack string, config map[string]string) map[string]pulumirpc.EnforcementLevel {
	t.Helper()
	client := startAnalyzer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := client.Handshake(ctx, &pulumirpc.AnalyzerHandshakeRequest{})
	require.NoError(t, err, "Handshake")
	_, err = client.ConfigureStack(ctx, &pulumirpc.AnalyzerStackConfigureRequest{Stack: stack, Project: "video-platform", Config: config})
	require.NoError(t, err, "ConfigureStack")
	info, err := client.GetAnalyzerInfo(ctx, &emptypb.Empty{})
	require.NoError(t, err, "GetAnalyzerInfo")
	levels := map[string]pulumirpc.EnforcementLevel{}
	for _, p := range info.GetPolicies() {
		levels[p.GetName()] = p.GetEnforcementLevel()
	}
	return levels
}

// Through the real protocol, the production levels follow the stack's env
// and the topology's production flag: a copy stack's name is not its env,
// and a production env need not be named prod.
func TestAnalyzerTakesProductionFromTheStacksEnvInTheTopology(t *testing.T) {
	const topologyKey = "video-platform:" + topology.ConfigKey
	for _, tc := range []struct {
		desc, stack string
		config      map[string]string
		want        pulumirpc.EnforcementLevel
	}{
		{desc: "prod-web-blue is a prod stack, and prod is production by default", stack: "prod-web-blue",
			want: pulumirpc.EnforcementLevel_MANDATORY},
		{desc: "a declared production env of another name", stack: "eu-prod-web-green",
			config: map[string]string{topologyKey: `{"envs": {"eu-prod": {"region": "eu-west-1", "production": true}, "staging": {}}}`},
			want:   pulumirpc.EnforcementLevel_MANDATORY},
		{desc: "an env named prod that the topology does not declare production", stack: "prod-web-blue",
			config: map[string]string{topologyKey: `{"envs": {"prod": {}, "staging": {}}}`},
			want:   pulumirpc.EnforcementLevel_ADVISORY},
	} {
		levels := analyzerLevels(t, tc.stack, tc.config)
		assert.Equal(t, tc.want, levels["alb-deletion-protection"], "%s: deletion protection's level", tc.desc)
	}
}

func TestStackScope(t *testing.T) {
	for _, tc := range []struct {
		topology, stack, env string
		production           bool
	}{
		{topology: "", stack: "prod-web-blue", env: "prod", production: true},
		{topology: "{}", stack: "acme/video-platform/staging-dns", env: "staging"},
		{topology: "", stack: "dev", env: "dev"},
		{topology: `{"envs": {"eu-prod": {"production": true}}}`, stack: "eu-prod-web-blue", env: "eu-prod", production: true},
	} {
		s, err := stackScope(tc.topology, "video-platform", tc.stack)
		require.NoError(t, err, "%s", tc.stack)
		assert.Equal(t, tc.env, s.env, "the env of %s", tc.stack)
		assert.Equal(t, tc.production, s.config(s.env, nil).Production, "%s is production", tc.stack)
	}
	_, err := stackScope(`{"envs": {"eu-prod": {"production": "yes"}}}`, "video-platform", "eu-prod")
	require.Error(t, err, "a declaration the program refuses")
	assert.Contains(t, err.Error(), "video-platform:topology: envs.eu-prod.production", "names the key and the field")
}
