// Command pulumi-resource-aws is the stand-in AWS provider plugin that
// `infra rehearse` installs into a scratch PULUMI_HOME: it keeps resources
// in the stand-in Store named by $VP_STANDIN_DIR instead of creating them.
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/video-platform/video-platform/internal/standin"
)

// version is set at build time to the pulumi-aws SDK version in go.mod,
// which the engine asks the plugin for.
var version = "0.0.0-dev"

func main() {
	store, err := standin.StoreFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	err = provider.Main("aws", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return standin.NewProvider(store, version), nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
