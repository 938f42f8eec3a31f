package widget

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Widget is a fixture ComponentResource.
type Widget struct {
	pulumi.ResourceState

	// Arn is the widget's ARN.
	Arn      pulumi.StringOutput `pulumi:"arn"`
	internal pulumi.StringOutput
}

// NewWidget declares a widget.
func NewWidget(ctx *pulumi.Context, name string, args *WidgetArgs, opts ...pulumi.ResourceOption) (*Widget, error) {
	comp := &Widget{}
	if err := ctx.RegisterComponentResource(TypeToken, name, comp, opts...); err != nil {
		return nil, err
	}
	return comp, nil
}
