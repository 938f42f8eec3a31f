package rules

import (
	"fmt"
	"slices"
)

// Types the alerting rule reads.
const (
	TypeTopic             = "aws:sns/topic:Topic"
	TypeTopicSubscription = "aws:sns/topicSubscription:TopicSubscription"
)

// alertsSubscribed is a stack rule: a subscription names its topic by a
// reference that only the whole stack resolves.
func alertsSubscribed() Rule {
	return Rule{
		Name:            "alerts-subscribed",
		Description:     "Every SNS topic has a subscriber, so that the alarms published to it reach someone.",
		Level:           Advisory,
		ProductionLevel: Mandatory,
		Stack: func(_ Settings, rs []Resource) []Finding {
			var out []Finding
			for _, topic := range rs {
				if topic.Type != TypeTopic {
					continue
				}
				subscribed := slices.ContainsFunc(rs, func(sub Resource) bool {
					return sub.Type == TypeTopicSubscription && subscribes(sub, topic)
				})
				if !subscribed {
					out = append(out, Finding{URN: topic.URN, Message: fmt.Sprintf(
						"%s has no subscriber, so the alarms published to it page nobody; in the base stack set video-platform:alertEmails "+
							"or the secret video-platform:alertsWebhookUrl", label("SNS topic", topic))})
				}
			}
			return out
		},
	}
}

// subscribes reports whether sub's topic is topic: by the engine's property
// dependencies, by the offline render's placeholder, or by a known ARN.
func subscribes(sub, topic Resource) bool {
	if urns := sub.PropertyDependencies["topic"]; topic.URN != "" && slices.Contains(urns, topic.URN) {
		return true
	}
	ref, _ := getString(sub.Inputs, "topic")
	if IsUnknown(ref) {
		p, ok := ParsePlaceholder(ref)
		return ok && p.Type == TypeTopic && p.Name == topic.Name
	}
	arn, _ := getString(topic.Inputs, "arn")
	return ref != "" && ref == arn
}
