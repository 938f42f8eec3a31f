package asgpool

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/template"

	"github.com/video-platform/video-platform/internal/imagetag"
)

// maxUserDataBytes is EC2's limit on user data before base64 encoding.
const maxUserDataBytes = 16 * 1024

// Names shared by the group and the script, which must agree on them.
const (
	drainHookName = "drain"
	readyHookName = "ready"
	containerName = "app"
)

// Heartbeats are recorded a few times per heartbeat window, so that one lost
// call does not let the hook time out, but not so often that a long window
// floods the Auto Scaling API.
const (
	heartbeatsPerWindow       = 3
	minHeartbeatInterval      = 10
	maxHeartbeatIntervalLimit = 300
)

//go:embed userdata.sh.tmpl
var userDataTemplateText string

var userDataTemplate = template.Must(template.New("userdata").
	Funcs(template.FuncMap{"q": shellQuote}).
	Option("missingkey=error").
	Parse(userDataTemplateText))

// UserDataParams are the values the instance bootstrap script is rendered
// from.
type UserDataParams struct {
	// ImageRepositoryURL is the ECR repository URL; its host is the registry
	// the script logs in to. Required.
	ImageRepositoryURL string
	// Release is the image tag to run. Required.
	Release string
	// LogGroupName is the CloudWatch Logs group the container logs to.
	// Required.
	LogGroupName string
	// ContainerPort is published on the same host port; 0 publishes none.
	ContainerPort int
	// Environment holds the container's environment variables. Values may
	// not contain newlines or NUL bytes, which Docker's env file cannot carry.
	Environment map[string]string
	// HeartbeatSeconds is the termination hook's heartbeat; 0 means the pool
	// has no hook and the script installs no drain watcher.
	HeartbeatSeconds int
	// DrainTimeoutSeconds is how long `docker stop` waits after SIGTERM,
	// 1..HeartbeatSeconds. Only used with a hook.
	DrainTimeoutSeconds int
	// ReadyTimeoutSeconds bounds, from the start of the script, how long the
	// container has to answer its health check before the launch hook is
	// completed with ABANDON; 0 means the pool has no launch hook and the
	// script completes none. With a hook, 60..7080.
	ReadyTimeoutSeconds int
	// HealthPort is the container port of the health endpoint, 1..65535;
	// published on 127.0.0.1 unless it is ContainerPort. Only used with a
	// launch hook.
	HealthPort int
	// HealthPath is the health endpoint's path, such as "/healthz". Only used
	// with a launch hook.
	HealthPath string
}

// templateData is what userdata.sh.tmpl sees; every string in it goes
// through the template's q function.
type templateData struct {
	Image                    string
	Registry                 string
	LogGroupName             string
	ContainerName            string
	ContainerPort            int
	EnvLines                 []string
	HookName                 string
	DrainTimeoutSeconds      int
	HeartbeatIntervalSeconds int
	ReadyHookName            string
	ReadyTimeoutSeconds      int
	HealthPort               int
	HealthURL                string
	// PublishHealthPort says the health port needs its own, loopback-only
	// publication because it is not ContainerPort.
	PublishHealthPort bool
}

// RenderUserData renders the bootstrap script: it installs Docker, runs the
// release and, with a hook, installs the drain watcher; with a launch hook it
// completes that hook once the container is healthy. It is pure, so tests
// and shellcheck can render it without Pulumi.
func RenderUserData(p UserDataParams) (string, error) {
	var errs []error
	bad := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }
	if p.ImageRepositoryURL == "" || strings.ContainsAny(p.ImageRepositoryURL, " \t\r\n\x00") {
		bad("ImageRepositoryURL: %q is not a repository URL; accepted an ECR URL without whitespace", p.ImageRepositoryURL)
	}
	if err := imagetag.CheckRelease(p.Release); err != nil {
		bad("Release: %v", err)
	}
	if p.LogGroupName == "" || strings.ContainsAny(p.LogGroupName, "\r\n\x00") {
		bad("LogGroupName: %q is not a log group name; accepted a non-empty single line", p.LogGroupName)
	}
	if p.ContainerPort < 0 || p.ContainerPort > 65535 {
		bad("ContainerPort: %d is out of range; accepted 0..65535", p.ContainerPort)
	}
	var envLines []string
	for _, k := range slices.Sorted(maps.Keys(p.Environment)) {
		v := p.Environment[k]
		if !envVarPattern.MatchString(k) {
			bad("Environment: key %q is not a valid variable name; accepted [A-Za-z_][A-Za-z0-9_]*", k)
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			bad("Environment: value of %q contains a newline or NUL; accepted a single line", k)
		}
		envLines = append(envLines, k+"="+v)
	}
	data := templateData{
		Image:         p.ImageRepositoryURL + ":" + p.Release,
		Registry:      registryHost(p.ImageRepositoryURL),
		LogGroupName:  p.LogGroupName,
		ContainerName: containerName,
		ContainerPort: p.ContainerPort,
		EnvLines:      envLines,
	}
	if p.HeartbeatSeconds != 0 {
		if p.HeartbeatSeconds < minHeartbeatSeconds || p.HeartbeatSeconds > maxHeartbeatSeconds {
			bad("HeartbeatSeconds: %d is out of range; accepted 0 (no hook) or %d..%d", p.HeartbeatSeconds, minHeartbeatSeconds, maxHeartbeatSeconds)
		}
		if p.DrainTimeoutSeconds < 1 || p.DrainTimeoutSeconds > p.HeartbeatSeconds {
			bad("DrainTimeoutSeconds: %d is out of range; accepted 1..%d (the hook's heartbeat)", p.DrainTimeoutSeconds, p.HeartbeatSeconds)
		}
		data.HookName = drainHookName
		data.DrainTimeoutSeconds = p.DrainTimeoutSeconds
		data.HeartbeatIntervalSeconds = heartbeatInterval(p.HeartbeatSeconds)
	}
	if p.ReadyTimeoutSeconds != 0 {
		if p.ReadyTimeoutSeconds < minReadyTimeoutSeconds || p.ReadyTimeoutSeconds > maxReadyTimeoutSeconds {
			bad("ReadyTimeoutSeconds: %d is out of range; accepted 0 (no launch hook) or %d..%d", p.ReadyTimeoutSeconds, minReadyTimeoutSeconds, maxReadyTimeoutSeconds)
		}
		if p.HealthPort < 1 || p.HealthPort > 65535 {
			bad("HealthPort: %d is out of range; accepted 1..65535", p.HealthPort)
		}
		if !healthPathPattern.MatchString(p.HealthPath) {
			bad("HealthPath: %q is invalid; accepted \"/\" followed by up to 255 of [A-Za-z0-9._~/?=&%%-]", p.HealthPath)
		}
		data.ReadyHookName = readyHookName
		data.ReadyTimeoutSeconds = p.ReadyTimeoutSeconds
		data.HealthPort = p.HealthPort
		data.HealthURL = fmt.Sprintf("http://127.0.0.1:%d%s", p.HealthPort, p.HealthPath)
		data.PublishHealthPort = p.HealthPort != p.ContainerPort
	}
	if err := errors.Join(errs...); err != nil {
		return "", err
	}

	var buf bytes.Buffer
	if err := userDataTemplate.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("render user data: %w", err)
	}
	if buf.Len() > maxUserDataBytes {
		return "", fmt.Errorf("user data: %d bytes rendered; accepted at most %d (EC2's limit): shorten Environment", buf.Len(), maxUserDataBytes)
	}
	return buf.String(), nil
}

// heartbeatInterval is how often the drain watcher records a heartbeat.
func heartbeatInterval(heartbeat int) int {
	return min(max(heartbeat/heartbeatsPerWindow, minHeartbeatInterval), maxHeartbeatIntervalLimit)
}

// registryHost is the registry part of a repository URL, which is what
// `docker login` takes.
func registryHost(repositoryURL string) string {
	host, _, _ := strings.Cut(repositoryURL, "/")
	return host
}

// shellQuote makes s one literal word for bash: it is wrapped in single
// quotes, inside which nothing is special, and each single quote in s is
// closed, escaped and reopened.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
