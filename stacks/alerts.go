package stacks

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// LaunchLoopConfig is when replaced instances count as a launch loop.
type LaunchLoopConfig struct {
	// Replacements is how many instances of the env's groups may be
	// replaced after failing a health check within WindowMinutes before
	// the alarm pages; default 3.
	Replacements int `json:"replacements,omitempty"`
	// WindowMinutes is the window the replacements are counted in; default
	// 30, a multiple of 5 from 5 to 1440.
	WindowMinutes int `json:"windowMinutes,omitempty"`
}

// DefaultLaunchLoop is the launch-loop alarm's setting where the config
// leaves a key out; a key that is set, zero included, is taken as given.
func DefaultLaunchLoop() LaunchLoopConfig {
	return LaunchLoopConfig{Replacements: 3, WindowMinutes: 30}
}

func (ch *checker) launchLoop(c LaunchLoopConfig) {
	ch.intRange("launchLoop.replacements", c.Replacements, 1, 100)
	ch.intRange("launchLoop.windowMinutes", c.WindowMinutes, 5, 1440)
	if c.WindowMinutes%5 != 0 {
		ch.fail("launchLoop.windowMinutes", c.WindowMinutes, "a multiple of 5: the alarm sums 5-minute periods")
	}
}

// alerting declares the env's alerts topic, who it reaches, and the
// EventBridge rules that page it about launches gone wrong.
func (b *BaseStack) alerting(ctx *pulumi.Context, env string, cfg BaseConfig, account string, tags pulumi.StringMap) error {
	var err error
	b.AlertsTopic, err = sns.NewTopic(ctx, "alerts", &sns.TopicArgs{NamePrefix: pulumi.String(env + "-alerts-"), Tags: tags})
	if err != nil {
		return err
	}
	if _, err := sns.NewTopicPolicy(ctx, "alerts", &sns.TopicPolicyArgs{
		Arn: b.AlertsTopic.Arn,
		Policy: b.AlertsTopic.Arn.ApplyT(func(arn string) (string, error) {
			return alertsTopicPolicy(arn, account)
		}).(pulumi.StringOutput),
	}); err != nil {
		return err
	}
	for i, email := range cfg.AlertEmails {
		sub, err := sns.NewTopicSubscription(ctx, fmt.Sprintf("alerts-email-%d", i), &sns.TopicSubscriptionArgs{
			Topic: b.AlertsTopic.Arn, Protocol: pulumi.String("email"), Endpoint: pulumi.String(email),
		})
		if err != nil {
			return err
		}
		b.AlertSubscriptions = append(b.AlertSubscriptions, sub)
	}
	if cfg.AlertsWebhook != nil {
		sub, err := sns.NewTopicSubscription(ctx, "alerts-webhook", &sns.TopicSubscriptionArgs{
			Topic: b.AlertsTopic.Arn, Protocol: pulumi.String("https"), Endpoint: *cfg.AlertsWebhook,
		})
		if err != nil {
			return err
		}
		b.AlertSubscriptions = append(b.AlertSubscriptions, sub)
	}

	failures, err := launchFailurePattern(env)
	if err != nil {
		return err
	}
	b.LaunchFailures, err = cloudwatch.NewEventRule(ctx, "launch-failures", &cloudwatch.EventRuleArgs{
		Description:  pulumi.String("Failed instance launches of " + env + " groups: a launch loop burns money until someone stops it"),
		EventPattern: pulumi.String(failures),
		Tags:         tags,
	})
	if err != nil {
		return err
	}
	if _, err := cloudwatch.NewEventTarget(ctx, "launch-failures", &cloudwatch.EventTargetArgs{
		Rule: b.LaunchFailures.Name, Arn: b.AlertsTopic.Arn,
	}); err != nil {
		return err
	}

	// Envato's loop: instances launch fine, fail their health checks, and
	// are replaced, again and again. No launch is "unsuccessful", so only
	// the rate of those replacements shows it. The rule has no target: the
	// alarm counts its matches (AWS/Events TriggeredRules).
	loop, err := launchLoopPattern(env)
	if err != nil {
		return err
	}
	b.LaunchLoop, err = cloudwatch.NewEventRule(ctx, "launch-loop", &cloudwatch.EventRuleArgs{
		Description:  pulumi.String("Instances of " + env + " groups replaced after failing health checks"),
		EventPattern: pulumi.String(loop),
		Tags:         tags,
	})
	if err != nil {
		return err
	}
	ll := cfg.LaunchLoop
	b.LaunchLoopAlarm, err = cloudwatch.NewMetricAlarm(ctx, "launch-loop", &cloudwatch.MetricAlarmArgs{
		AlarmDescription: pulumi.Sprintf("%d or more instances of %s groups replaced after failing health checks within %d minutes: "+
			"a launch loop (an image that never gets healthy) burns money and capacity until someone stops it", ll.Replacements, env, ll.WindowMinutes),
		Namespace:          pulumi.String("AWS/Events"),
		MetricName:         pulumi.String("TriggeredRules"),
		Dimensions:         pulumi.StringMap{"RuleName": b.LaunchLoop.Name},
		Statistic:          pulumi.String("Sum"),
		Period:             pulumi.Int(ll.WindowMinutes * 60),
		EvaluationPeriods:  pulumi.Int(1),
		Threshold:          pulumi.Float64(float64(ll.Replacements)),
		ComparisonOperator: pulumi.String("GreaterThanOrEqualToThreshold"),
		// No replacements means no datapoints, and that is the healthy case.
		TreatMissingData: pulumi.String("notBreaching"),
		AlarmActions:     pulumi.Array{b.AlertsTopic.Arn},
		OkActions:        pulumi.Array{b.AlertsTopic.Arn},
		Tags:             tags,
	})
	return err
}

// launchFailurePattern matches failed instance launches of the env's groups:
// a launch loop burns money for hours, so it has to page someone.
func launchFailurePattern(env string) (string, error) {
	b, err := json.Marshal(map[string]any{
		"source":      []string{"aws.autoscaling"},
		"detail-type": []string{"EC2 Instance Launch Unsuccessful"},
		"detail": map[string]any{
			"AutoScalingGroupName": []map[string]string{{"prefix": env + "-"}},
		},
	})
	return string(b), err
}

// launchLoopPattern matches the terminations Auto Scaling starts because an
// instance of the env failed its EC2 or ELB health check; the event's Cause
// says so ("... taken out of service in response to an ELB system health
// check failure").
func launchLoopPattern(env string) (string, error) {
	b, err := json.Marshal(map[string]any{
		"source":      []string{"aws.autoscaling"},
		"detail-type": []string{"EC2 Instance Terminate Successful"},
		"detail": map[string]any{
			"AutoScalingGroupName": []map[string]string{{"prefix": env + "-"}},
			"Cause":                []map[string]string{{"wildcard": "*health check*"}},
		},
	})
	return string(b), err
}
