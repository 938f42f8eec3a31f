// Command video-platform is the Pulumi program; the stack name picks which
// small stack it declares.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/video-platform/video-platform/stacks"
)

func main() {
	pulumi.Run(stacks.Main)
}
