package awsschema

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestForcesReplacement(t *testing.T) {
	cases := []struct {
		typ, property string
		want          bool
	}{
		{"aws:lb/targetGroup:TargetGroup", "name", true},
		{"aws:lb/targetGroup:TargetGroup", "healthCheck", false},
		{"aws:ec2/launchTemplate:LaunchTemplate", "instanceType", false},
		{"aws:ec2/launchTemplate:LaunchTemplate", "namePrefix", true},
		{"aws:autoscaling/group:Group", "initialLifecycleHooks", true},
		{"aws:autoscaling/group:Group", "desiredCapacity", false},
		{"aws:route53/record:Record", "weightedRoutingPolicies", false},
		{"aws:route53/record:Record", "zoneId", true},
		{"aws:lb/loadBalancer:LoadBalancer", "internal", true},
		{"video-platform:compute:AsgPool", "name", false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, ForcesReplacement(c.typ, c.property), "%s %s", c.typ, c.property)
	}
}

// The table's doc promises sorted lists; a reader looking for a property
// relies on it, and an entry added out of order is where a typo hides.
func TestForceNewListsAreSortedAndUnique(t *testing.T) {
	for typ, props := range replaceOnChange {
		for i := 1; i < len(props); i++ {
			assert.Less(t, props[i-1], props[i], "%s: %q before %q", typ, props[i-1], props[i])
		}
	}
}
