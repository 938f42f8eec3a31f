// Command infra operates the video platform's environments: `synth`
// renders an env offline, `diff` compares two renders, `rehearse` plays the
// runbook against a stand-in AWS, and the deploy workflow (preview, up,
// destroy, swap, rollback, retire, roll, status) drives the small stacks
// through the Pulumi Automation API. The commands are in infra/cli.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/video-platform/video-platform/infra/cli"
	"github.com/video-platform/video-platform/infra/workflow"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Execute(ctx, os.Args[1:], workflow.Deps{}, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
