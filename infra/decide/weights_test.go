package decide

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/video-platform/video-platform/infra/observed"
)

func TestLiveStatementRoundTrips(t *testing.T) {
	s := LiveStatement("web", map[string]int{"green": 90, "blue": 10})
	assert.Equal(t, "now live: web blue=10 green=90", s, "colors in order, weights as deployed")
	out := "progress\n" + LiveStatement("web", map[string]int{"blue": 100, "green": 0}) + "\nmore\n" + s + "\n" +
		LiveStatement("recorder", map[string]int{"blue": 100, "green": 0}) + "\n"
	assert.Equal(t, map[string]map[string]int{
		"web":      {"blue": 10, "green": 90},
		"recorder": {"blue": 100, "green": 0},
	}, ParseLiveStatements(out), "the last statement per service counts")
	assert.Empty(t, ParseLiveStatements("the live color of web did NOT change: blue is still live\n"), "prose is not a statement")
}

func TestRecordWeightsReadsOnlyTheServicesWeightedARecords(t *testing.T) {
	rec := func(name, color string, weight float64) observed.Deployed {
		return observed.Deployed{URN: "urn:pulumi:prod-dns::video-platform::video-platform:dns:DnsRecords$aws:route53/record:Record::" + name,
			Type: RecordType, Outputs: map[string]any{"setIdentifier": color, "weightedRoutingPolicies": []any{map[string]any{"weight": weight}}}}
	}
	res := []observed.Deployed{
		rec("web-blue-a", "blue", 0), rec("web-green-a", "green", 100),
		rec("recorder-blue-a", "blue", 100),
		{URN: "urn:pulumi:prod-dns::video-platform::aws:route53/record:Record::web-direct-blue-a", Type: RecordType, Outputs: map[string]any{}},
	}
	assert.Equal(t, map[string]int{"blue": 0, "green": 100}, RecordWeights(res, "web"), "web's weights only")
}

func TestSameWeightsTreatsAMissingRecordAsWeightZero(t *testing.T) {
	assert.True(t, SameWeights(map[string]int{"blue": 100}, map[string]int{"blue": 100, "green": 0}), "a destroyed idle copy has no record")
	assert.False(t, SameWeights(map[string]int{"blue": 100}, map[string]int{"blue": 90, "green": 10}), "a canary is not the same")
	assert.False(t, SameWeights(map[string]int{"green": 100}, map[string]int{"blue": 100, "green": 0}), "another live color")
}
