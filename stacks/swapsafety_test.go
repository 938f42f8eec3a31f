package stacks

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/video-platform/video-platform/internal/offline"
	"github.com/video-platform/video-platform/internal/offline/offlinetest"
	"github.com/video-platform/video-platform/internal/render"
)

const (
	typeCert     = "aws:acm/certificate:Certificate"
	typeCertVal  = "aws:acm/certificateValidation:CertificateValidation"
	typeSchedule = "aws:autoscaling/schedule:Schedule"
	typeLT       = "aws:ec2/launchTemplate:LaunchTemplate"
)

func peakSchedule() map[string]any {
	return map[string]any{"name": "weekday-peak", "recurrence": "0 7 * * 1-5", "timeZone": "America/New_York",
		"capacity": map[string]int{"min": 6, "max": 12, "desired": 6}}
}

// baseWithWebSchedules is the base config with prod's web schedules.
func baseWithWebSchedules(env string) map[string]any {
	values := baseValues(env)
	values["schedules"] = map[string]any{"web": []any{peakSchedule(), map[string]any{
		"name": "evening-trough", "recurrence": "0 20 * * *", "timeZone": "America/New_York",
		"capacity": map[string]int{"min": 3, "max": 12, "desired": 3},
	}}}
	return values
}

// covers says whether a certificate name covers host: exactly, or as a
// wildcard standing for one label.
func covers(name, host string) bool {
	if rest, ok := strings.CutPrefix(name, "*."); ok {
		label, parent, found := strings.Cut(host, ".")
		return found && label != "" && parent == rest
	}
	return name == host
}

func TestBaseCertificateCoversTheDirectNamesOfEveryCopy(t *testing.T) {
	res := newEnvRender(t, "prod").mustRun("prod", baseValues("prod"))
	cert := offlinetest.Find(t, res, typeCert, "certificate")
	assert.Equal(t, "prod.video.example.com", offlinetest.Input(t, cert, "domainName"), "the env's domain")
	sans := offlinetest.Input(t, cert, "subjectAlternativeNames")
	assert.Equal(t, []any{"*.prod.video.example.com", "*.recorder.prod.video.example.com", "*.web.prod.video.example.com"}, sans,
		"the domain's wildcard and one wildcard per service")

	names := []string{"prod.video.example.com"}
	for _, n := range sans.([]any) {
		names = append(names, n.(string))
	}
	for _, host := range []string{
		"prod.video.example.com", "web.prod.video.example.com", "recorder.prod.video.example.com",
		"blue.web.prod.video.example.com", "green.web.prod.video.example.com",
		"blue.recorder.prod.video.example.com", "green.recorder.prod.video.example.com",
	} {
		covered := false
		for _, n := range names {
			covered = covered || covers(n, host)
		}
		assert.True(t, covered, "the certificate covers %s", host)
	}

	// One CNAME per distinct validation name: the domain and its wildcard
	// share one, each service's wildcard has its own.
	token := "_" + offline.Placeholder(typeCert, "validationToken", "certificate")
	want := map[string]string{
		"certificate-validation":          token + ".prod.video.example.com.",
		"certificate-validation-recorder": token + ".recorder.prod.video.example.com.",
		"certificate-validation-web":      token + ".web.prod.video.example.com.",
	}
	var records []render.Resource
	for _, r := range res.OfType(typeRecord) {
		if strings.HasPrefix(r.Name, "certificate-validation") {
			records = append(records, r)
		}
	}
	require.Len(t, records, len(want), "one validation record per distinct name")
	var fqdns []any
	for _, r := range records {
		assert.Equal(t, want[r.Name], offlinetest.Input(t, r, "name"), "%s validates its own name", r.Name)
		assert.Equal(t, "CNAME", offlinetest.Input(t, r, "type"), "%s is a CNAME", r.Name)
		assert.Equal(t, "Z00000000PLACEHOLDER", offlinetest.Input(t, r, "zoneId"), "%s is in the env's zone", r.Name)
		assert.Equal(t, true, offlinetest.Input(t, r, "allowOverwrite"), "%s may take over a record ACM reuses", r.Name)
		fqdns = append(fqdns, offline.Placeholder(typeRecord, "fqdn", r.Name))
	}
	validation := offlinetest.Find(t, res, typeCertVal, "certificate")
	assert.ElementsMatch(t, fqdns, offlinetest.Input(t, validation, "validationRecordFqdns"), "the validation waits for every record")
}

func userData(t *testing.T, res *offline.Result, name string) string {
	t.Helper()
	encoded, ok := offlinetest.Input(t, offlinetest.Find(t, res, typeLT, name), "userData").(string)
	require.True(t, ok, "the user data of %s is known offline", name)
	raw, err := base64.StdEncoding.DecodeString(encoded)
	require.NoError(t, err, "user data is base64")
	return string(raw)
}

func TestEveryCopyKnowsItsDirectHostname(t *testing.T) {
	e := newEnvRender(t, "prod")
	e.upToDNS(false)
	dns := e.mustRun("prod-dns", map[string]any{"live": map[string]string{"web": "blue", "recorder": "blue"}})

	script := userData(t, e.results["prod-recorder-green"], "recorder-green-lt")
	assert.Contains(t, script, `printf '%s\n' 'DIRECT_HOSTNAME=green.recorder.prod.video.example.com' >>`,
		"prod-recorder-green's container is told its own direct name, even while idle")
	direct := offlinetest.Find(t, dns, typeRecord, "recorder-direct-green-a")
	assert.Equal(t, "green.recorder.prod.video.example.com", offlinetest.Input(t, direct, "name"),
		"the DNS stack's direct record has the same name")
	assert.Contains(t, userData(t, e.results["prod-web-blue"], "web-blue-lt"), `'DIRECT_HOSTNAME=blue.web.prod.video.example.com'`,
		"and so does every other copy")
}

// scheduleInputs are a copy's scheduled actions by name, without the group
// they act on.
func scheduleInputs(t *testing.T, res *offline.Result) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, s := range res.OfType(typeSchedule) {
		inputs := map[string]any{}
		for k, v := range s.Inputs {
			if k != "autoscalingGroupName" {
				inputs[k] = v
			}
		}
		out[offlinetest.Input(t, s, "scheduledActionName").(string)] = inputs
	}
	return out
}

func TestSchedulesBelongToTheServiceNotToAColor(t *testing.T) {
	e := newEnvRender(t, "prod")
	base := e.mustRun("prod", baseWithWebSchedules("prod"))
	require.Contains(t, base.Outputs, "schedules", "the base stack exports the schedules")
	blue := e.mustRun("prod-web-blue", copyValues("r3", 3, 12, 3))
	green := e.mustRun("prod-web-green", copyValues("r4", 3, 12, 3))

	blueSchedules := scheduleInputs(t, blue)
	require.Len(t, blueSchedules, 2, "the live copy has both web schedules")
	assert.Equal(t, map[string]any{
		"scheduledActionName": "weekday-peak", "recurrence": "0 7 * * 1-5", "timeZone": "America/New_York",
		"minSize": 6.0, "maxSize": 12.0, "desiredCapacity": 6.0,
	}, blueSchedules["weekday-peak"], "the peak as the base stack declares it")
	assert.Equal(t, blueSchedules, scheduleInputs(t, green), "the other copy with capacity has the same schedules")
	for _, c := range []struct {
		res  *offline.Result
		name string
	}{{blue, "web-blue-asg"}, {green, "web-green-asg"}} {
		asg := offlinetest.Find(t, c.res, typeASG, c.name)
		assert.Equal(t, []string{"desiredCapacity", "minSize", "maxSize"}, asg.IgnoreChanges, "%s: an update during the peak keeps the peak's bounds", c.name)
	}

	idle := e.mustRun("prod-web-green", copyValues("r4", 0, 0, 0))
	assert.Empty(t, idle.OfType(typeSchedule), "an idle copy gets no schedule, which would wake it")
	assert.Empty(t, offlinetest.Find(t, idle, typeASG, "web-green-asg").IgnoreChanges, "an idle copy's zeros are applied")

	recorder := e.mustRun("prod-recorder-blue", copyValues("r3", 3, 9, 3))
	assert.Empty(t, recorder.OfType(typeSchedule), "a service without schedules gets none")
}
