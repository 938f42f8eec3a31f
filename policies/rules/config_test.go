package rules

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600), "write temp config")
	return path
}

func TestLoadConfigRejectsBadOverrides(t *testing.T) {
	cases := []struct {
		desc string
		env  string
		body string
		want string
	}{
		{
			desc: "unknown rule",
			body: `{"asg-multi-zone": {"minAzs": 3}}`,
			want: `unknown rule "asg-multi-zone"; accepted rules: all, asg-multi-az, asg-elb-health-check, launch-template-imdsv2, launch-template-encrypted-volumes, no-public-instances, no-world-ssh, world-ingress-only-on-lb, alb-https-only, alb-deletion-protection, sqs-dlq-and-encryption, spot-fleet-diversified, drain-hooks, dns-swap-records, required-tags, instance-types-allowed, capacity-cap, iam-no-wildcards, alerts-subscribed`,
		},
		{
			desc: "bad enforcement level",
			body: `{"no-world-ssh": {"enforcementLevel": "warn"}}`,
			want: `rule "no-world-ssh": key "enforcementLevel": value "warn" is invalid; accepted: "mandatory", "advisory", "disabled"`,
		},
		{
			desc: "bad shorthand level",
			body: `{"no-world-ssh": "off"}`,
			want: `rule "no-world-ssh": key "enforcementLevel": value "off" is invalid; accepted: "mandatory", "advisory", "disabled"`,
		},
		{
			desc: "threshold as string",
			body: `{"asg-multi-az": {"minAzs": "3"}}`,
			want: `rule "asg-multi-az": key "minAzs": value "3" is invalid; accepted: a whole number >= 1`,
		},
		{
			desc: "threshold below minimum",
			body: `{"asg-multi-az": {"minAzs": 0}}`,
			want: `rule "asg-multi-az": key "minAzs": value 0 is invalid; accepted: a whole number >= 1`,
		},
		{
			desc: "fractional threshold",
			body: `{"sqs-dlq-and-encryption": {"jobTimeoutSeconds": 90.5}}`,
			want: `rule "sqs-dlq-and-encryption": key "jobTimeoutSeconds": value 90.5 is invalid; accepted: a whole number >= 1`,
		},
		{
			desc: "list of wrong type",
			body: `{"instance-types-allowed": {"allowedInstanceTypes": "c6i.large"}}`,
			want: `rule "instance-types-allowed": key "allowedInstanceTypes": value "c6i.large" is invalid; accepted: a non-empty list of strings`,
		},
		{
			desc: "map with wrong value",
			body: `{"drain-hooks": {"minHeartbeatSeconds": {"recorder": "1h"}}}`,
			want: `rule "drain-hooks": key "minHeartbeatSeconds": value {"recorder":"1h"} is invalid; accepted: an object of whole numbers >= 1`,
		},
		{
			desc: "unknown threshold key",
			body: `{"capacity-cap": {"maxSize": 10}}`,
			want: `rule "capacity-cap": key "maxSize": value 10 is invalid; accepted: keys enforcementLevel, env, maxSizeByService`,
		},
		{
			desc: "threshold on a rule without thresholds",
			body: `{"dns-swap-records": {"maxTtl": 60}}`,
			want: `rule "dns-swap-records": key "maxTtl": value 60 is invalid; accepted: keys enforcementLevel, env`,
		},
		{
			desc: "env mismatch",
			env:  "prod",
			body: `{"asg-multi-az": {"env": "staging"}}`,
			want: `rule "asg-multi-az": key "env": value "staging" is invalid; accepted: "prod" (the environment being checked)`,
		},
		{
			desc: "threshold under all",
			body: `{"all": {"minAzs": 3}}`,
			want: `rule "all": key "minAzs": value 3 is invalid; accepted: only key "enforcementLevel" under "all"`,
		},
		{
			desc: "rule value of wrong type",
			body: `{"capacity-cap": 5}`,
			want: `rule "capacity-cap": value 5 is invalid; accepted: an enforcement level string or an object of settings`,
		},
		{
			desc: "no environment anywhere",
			env:  "-",
			body: `{"capacity-cap": {"enforcementLevel": "advisory"}}`,
			want: `no environment: pass one or set "env" in a rule's settings`,
		},
		{
			desc: "not an object",
			body: `[1]`,
			want: `invalid JSON: json: cannot unmarshal array into Go value of type map[string]interface {}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			path := writeConfig(t, tc.body)
			env := tc.env
			switch env {
			case "":
				env = "staging"
			case "-":
				env = ""
			}
			_, err := LoadConfig(path, env)
			require.Error(t, err, "config %s must be rejected", tc.body)
			assert.Equal(t, "policy config "+path+": "+tc.want, err.Error(), "error names file, rule, key, value and what is accepted")
		})
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	_, err := LoadConfig(filepath.Join(t.TempDir(), "nope.json"), "prod")
	require.Error(t, err, "missing file is an error")
	assert.Contains(t, err.Error(), "nope.json", "error names the file")
}

func TestLoadCommittedConfigs(t *testing.T) {
	for _, env := range []string{"staging", "prod"} {
		t.Run(env, func(t *testing.T) {
			path := filepath.Join("..", "config."+env+".json")
			cfg, err := LoadConfig(path, "")
			require.NoError(t, err, "committed %s config must be valid", env)
			assert.Equal(t, env, cfg.Env, "env comes from the file")
			for _, rule := range []string{"asg-multi-az", "instance-types-allowed", "capacity-cap", "drain-hooks", "sqs-dlq-and-encryption"} {
				assert.Contains(t, cfg.Overrides, rule, "%s config must set %s thresholds", env, rule)
			}
			got, err := Check(cfg, compliantStack())
			require.NoError(t, err, "Check with committed config")
			assert.Empty(t, got, "compliant stack passes with committed %s config: %s", env, messages(got))

			_, err = LoadConfig(path, map[string]string{"staging": "prod", "prod": "staging"}[env])
			require.Error(t, err, "a %s file must not load for another env", env)
		})
	}
}

func TestCommittedConfigLevels(t *testing.T) {
	prod, err := LoadConfig(filepath.Join("..", "config.prod.json"), "prod")
	require.NoError(t, err, "prod config loads")
	staging, err := LoadConfig(filepath.Join("..", "config.staging.json"), "staging")
	require.NoError(t, err, "staging config loads")
	rule, ok := Lookup("alb-deletion-protection")
	require.True(t, ok, "rule exists")
	assert.Equal(t, Mandatory, prod.level(rule), "deletion protection blocks prod")
	assert.Equal(t, Advisory, staging.level(rule), "deletion protection only warns in staging")
}

func TestParseConfigShorthandAndAll(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"all": "advisory", "no-world-ssh": "mandatory"}`), "staging")
	require.NoError(t, err, "Pulumi's string shorthand is accepted")
	ssh, _ := Lookup("no-world-ssh")
	imds, _ := Lookup("launch-template-imdsv2")
	assert.Equal(t, Mandatory, cfg.level(ssh), "per-rule level wins over all")
	assert.Equal(t, Advisory, cfg.level(imds), "all applies to the rest")
}

func TestRuleConfigSchema(t *testing.T) {
	r, ok := Lookup("drain-hooks")
	require.True(t, ok, "rule exists")
	schema := r.ConfigSchema()
	assert.Equal(t, "object", schema["minHeartbeatSeconds"]["type"], "int maps are objects")
	assert.Contains(t, schema, KeyEnv, "every rule accepts env")
	assert.NotContains(t, schema, KeyEnforcementLevel, "policyx reserves enforcementLevel")
}

func TestSettingsAreTheDefaultsWithTheOverrides(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"instance-types-allowed": {"allowedInstanceTypes": ["t3.small"]}}`), "staging")
	require.NoError(t, err, "a valid config")
	s, err := cfg.Settings("instance-types-allowed")
	require.NoError(t, err, "a known rule")
	assert.Equal(t, []string{"t3.small"}, s.Strings("allowedInstanceTypes"), "the override")
	s, err = cfg.Settings("spot-fleet-diversified")
	require.NoError(t, err, "a rule the config leaves alone")
	assert.Equal(t, 0, s.Int("minOnDemandBaseCapacity"), "staging's default")
	_, err = cfg.Settings("no-such-rule")
	assert.ErrorContains(t, err, `unknown rule "no-such-rule"`, "an unknown rule is named")
}
