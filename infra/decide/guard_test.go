package decide

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/topology"
)

func TestJudgeUp(t *testing.T) {
	nodes := Order(topology.Default(), "prod", nil, false)
	deployed := func() TrafficState {
		return TrafficState{Deployed: true,
			Weights: map[string]map[string]int{"web": {"blue": 90, "green": 10}, "recorder": {"blue": 100, "green": 0}},
			Live:    map[string]string{"web": "blue", "recorder": "blue"},
			Canary:  map[string]int{"web": 10},
		}
	}
	full := Capacity{Min: 3, Max: 9, Desired: 3}
	caps := func(override map[string]Capacity) map[string]Capacity {
		out := map[string]Capacity{}
		for _, id := range topology.Default().EnvStacks("prod") {
			if id.Kind == topology.KindCopy {
				out[id.Name] = full
			}
		}
		for k, v := range override {
			out[k] = v
		}
		return out
	}
	cases := []struct {
		name   string
		state  func(*TrafficState)
		caps   map[string]Capacity
		stack  string
		reason string
	}{
		{"live copy to zero", nil, map[string]Capacity{"prod-web-blue": {}}, "prod-web-blue",
			"prod-web-blue config video-platform:copy.capacity.min = 0 would leave the copy that serves 90% of web without instances"},
		{"canary target desired 0", nil, map[string]Capacity{"prod-web-green": {Min: 0, Max: 3, Desired: 0}}, "prod-web-green",
			"copy.capacity.min = 0 would leave the copy that serves 10% of web"},
		{"live copy max 0 only", nil, map[string]Capacity{"prod-recorder-blue": {Min: 1, Max: 0, Desired: 1}}, "prod-recorder-blue",
			"copy.capacity.max = 0"},
		{"dns live changed in config", func(s *TrafficState) { s.Live["recorder"] = "green" }, nil, "prod-dns",
			"prod-dns config video-platform:live.recorder = green differs from what its records serve (now live: recorder blue=100 green=0); traffic moves only through `infra swap prod recorder --to green`"},
		{"dns canary changed in config", func(s *TrafficState) { s.Canary["web"] = 50 }, nil, "prod-dns",
			"video-platform:canary.web = 50 differs from what its records serve (now live: web blue=90 green=10); traffic moves only through `infra swap prod web --canary 50`"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := deployed()
			if c.state != nil {
				c.state(&st)
			}
			refused := JudgeUp("prod", nodes, st, caps(c.caps))
			require.Len(t, refused, 1, "exactly one stack refused: %v", refused)
			require.Contains(t, refused, c.stack, "the stack named")
			assert.Contains(t, refused[c.stack].Error(), c.reason, "names the key, the value and the way out")
		})
	}
	t.Run("idle copy to zero is fine", func(t *testing.T) {
		st := deployed()
		st.Canary = map[string]int{}
		st.Weights["web"] = map[string]int{"blue": 100, "green": 0}
		assert.Empty(t, JudgeUp("prod", nodes, st, caps(map[string]Capacity{"prod-web-green": {}})), "an idle copy may be retired by up")
	})
	t.Run("first deploy has nothing to guard", func(t *testing.T) {
		assert.Empty(t, JudgeUp("prod", nodes, TrafficState{}, caps(map[string]Capacity{"prod-web-blue": {}})), "no DNS records yet")
	})
}

func TestJudgeDestroyCopy(t *testing.T) {
	green, _ := topology.Default().Parse("prod-web-green")
	live := map[string]string{"web": "blue"}
	st := TrafficState{Weights: map[string]map[string]int{"web": {"blue": 100, "green": 0}}}
	assert.NoError(t, JudgeDestroyCopy("prod", green, live, st, nil), "an idle copy without traffic goes")
	assert.ErrorContains(t, JudgeDestroyCopy("prod", green, map[string]string{"web": "green"}, st, nil),
		"traffic guard: prod-web-green is the live web copy in prod-dns; swap first or use --force")
	st.Weights["web"] = map[string]int{"blue": 90, "green": 10}
	assert.ErrorContains(t, JudgeDestroyCopy("prod", green, live, st, nil),
		"prod-web-green takes 10% of web's traffic in prod-dns (now live: web blue=90 green=10); end the canary with `infra swap prod web --canary 0` first")
	assert.ErrorContains(t, JudgeDestroyCopy("prod", green, live, TrafficState{}, assert.AnError),
		"cannot read what prod-dns serves", "unknown traffic is not no traffic")
}

func TestOrder(t *testing.T) {
	byName := func(nodes []Node) map[string]Node {
		out := map[string]Node{}
		for _, n := range nodes {
			out[n.ID.Name] = n
		}
		return out
	}
	up := byName(Order(topology.Default(), "prod", nil, false))
	require.Len(t, up, 7, "every stack of the env")
	assert.Empty(t, up["prod"].After, "the base first")
	assert.Equal(t, []string{"prod"}, up["prod-web-green"].Needs, "a copy needs the base")
	assert.Equal(t, []string{"prod"}, up["prod-transcoders"].Needs, "so do the transcoders")
	assert.ElementsMatch(t, []string{"prod", "prod-recorder-blue", "prod-recorder-green", "prod-web-blue", "prod-web-green"}, up["prod-dns"].Needs, "DNS needs the base and the copies")
	assert.Contains(t, up["prod-dns"].After, "prod-transcoders", "and waits for the transcoders without needing them")
	down := byName(Order(topology.Default(), "prod", nil, true))
	assert.Equal(t, []string{"prod-dns"}, down["prod-web-blue"].Needs, "destroy: DNS before the copies")
	assert.Len(t, down["prod"].Needs, 6, "the base last")
	one := Order(topology.Default(), "prod", map[string]bool{"prod-web-blue": true}, false)
	require.Len(t, one, 1, "only the selected stack")
	assert.Empty(t, one[0].Needs, "needs only what is in the run")

	assert.Equal(t, []string{"prod"}, Upstreams(up["prod-dns"].ID), "DNS cannot run without the base")
	assert.Empty(t, Upstreams(up["prod"].ID), "the base reads nothing")
}
