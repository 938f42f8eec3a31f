package rehearse

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/standin"
)

// env builds a stand-in world of one service, web, with a blue and a green
// copy (3 instances each) and weighted records with the given weights.
func testWorld(blue, green int, faults ...standin.Fault) world {
	var res []standin.Resource
	for _, c := range []struct {
		color  string
		weight int
	}{{"blue", blue}, {"green", green}} {
		tags := map[string]any{"env": "prod", "service": "web", "color": c.color}
		res = append(res,
			standin.Resource{Type: lbType, ID: "lb-" + c.color, Outputs: map[string]any{"dnsName": c.color + ".elb", "tags": tags}},
			standin.Resource{Type: tgType, ID: "tg-" + c.color, Outputs: map[string]any{"arn": "tg-" + c.color, "tags": tags}},
			standin.Resource{Type: groupType, ID: "asg-" + c.color, Outputs: map[string]any{
				"name": "asg-" + c.color, "minSize": 3.0, "maxSize": 9.0, "desiredCapacity": 3.0,
				"targetGroupArns": []any{"tg-" + c.color},
				"tags": []any{
					map[string]any{"key": "env", "value": "prod"},
					map[string]any{"key": "service", "value": "web"},
					map[string]any{"key": "color", "value": c.color},
				},
			}},
			standin.Resource{Type: recordType, ID: "rec-" + c.color, Name: "web-" + c.color + "-a", Outputs: map[string]any{
				"name": "web.example.com", "setIdentifier": c.color,
				"weightedRoutingPolicies": []any{map[string]any{"weight": float64(c.weight)}},
				"aliases":                 []any{map[string]any{"name": c.color + ".elb"}},
			}},
		)
	}
	return world{resources: res, faults: faults}
}

func TestDNSWeightsCatchesAllZeroWeights(t *testing.T) {
	inv := testWorld(0, 0).dnsWeights("prod")
	assert.False(t, inv.OK, "all-zero weights split traffic evenly")
	assert.Contains(t, inv.Detail, "web has no weighted record above 0", "names the service")

	ok := testWorld(100, 0).dnsWeights("prod")
	assert.True(t, ok.OK, "blue at 100 on a healthy copy: %s", ok.Detail)
	assert.Equal(t, "web blue=100 green=0", ok.Detail, "reports the weights")
}

func TestDNSWeightsCatchesTrafficOnACopyThatDoesNotServe(t *testing.T) {
	unhealthy := testWorld(0, 100, standin.Fault{Kind: standin.FaultTargetsUnhealthy, Tags: map[string]string{"color": "green"}})
	inv := unhealthy.dnsWeights("prod")
	assert.False(t, inv.OK, "traffic on unhealthy targets")
	assert.Contains(t, inv.Detail, "prod-web-green", "names the copy")

	short := testWorld(0, 100, standin.Fault{Kind: standin.FaultShortOfCapacity, Tags: map[string]string{"color": "green"}, Count: 2})
	assert.False(t, short.dnsWeights("prod").OK, "traffic on a copy short of capacity")

	idle := testWorld(0, 100)
	for i, r := range idle.resources {
		if r.ID == "asg-green" {
			idle.resources[i].Outputs["maxSize"] = 0.0
			idle.resources[i].Outputs["minSize"] = 0.0
		}
	}
	inv = idle.dnsWeights("prod")
	assert.False(t, inv.OK, "max 0 leaves no instances, whatever desiredCapacity says")
	assert.Contains(t, inv.Detail, "desired capacity 0", "says why")
}

func writeDNSConfig(t *testing.T, live string) string {
	t.Helper()
	dir := t.TempDir()
	doc := "config:\n  video-platform:live:\n    web: " + live + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.prod-dns.yaml"), []byte(doc), 0o600), "write")
	project, err := os.ReadFile("../../Pulumi.yaml")
	require.NoError(t, err, "the repository's Pulumi.yaml")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), project, 0o600), "write") //nolint:gosec // under t.TempDir()
	return dir
}

func TestConfigStateWantsAgreementOrTheReconcilingCommand(t *testing.T) {
	work := writeDNSConfig(t, "blue")
	w := testWorld(0, 0)
	inv := w.configState(work, "prod", "swap failed; blue is still live")
	assert.False(t, inv.OK, "config says blue at 100 while the records are 0/0")
	assert.Contains(t, inv.Detail, "infra up prod --stack prod-dns", "names the missing command")

	inv = w.configState(work, "prod", "run `infra up prod --stack prod-dns` to converge")
	assert.True(t, inv.OK, "the exact command was printed: %s", inv.Detail)

	assert.True(t, testWorld(100, 0).configState(work, "prod", "").OK, "config and records agree")
}

func TestTruthfulMessageJudgesTheLastStatementAgainstTheRecords(t *testing.T) {
	before := testWorld(100, 0)
	lie := testWorld(0, 0).truthfulMessage(before, "swap failed\nnow live: web blue=100 green=0\n", 1, "web")
	assert.False(t, lie.OK, "blue is not live when both weights are 0")
	assert.Contains(t, lie.Detail, "but the records have map[blue:0 green:0]", "says what the records have")

	truth := testWorld(0, 100).truthfulMessage(before, "now live: web blue=100 green=0\nnow live: web blue=0 green=100\n", 0, "web")
	assert.True(t, truth.OK, "the last statement counts: %s", truth.Detail)

	silent := testWorld(0, 100).truthfulMessage(before, "done\n", 0, "web")
	assert.False(t, silent.OK, "records moved and the tool said nothing about what is live")

	refused := before.truthfulMessage(before, "swap refused: unhealthy\n", 1, "web")
	assert.True(t, refused.OK, "a refusal that moved nothing owes no statement: %s", refused.Detail)
}

func TestNoPanicSpotsACrash(t *testing.T) {
	assert.False(t, noPanic("infra swap: internal error: nil map").OK, "recovered panic")
	assert.True(t, noPanic("swap refused").OK, "ordinary refusal")
}
