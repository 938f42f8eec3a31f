// Package iampolicy builds IAM policy documents from structs rather than
// text, so that every document is valid JSON and testable as data. The
// instance roles (components/instancerole) and the base stack's alerts topic
// build theirs with it.
package iampolicy

import "encoding/json"

// Version is the policy language version of every document.
const Version = "2012-10-17"

// Document is an IAM policy document.
type Document struct {
	// Version is the policy language version, Version.
	Version string `json:"Version"`
	// Statement are the document's statements.
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a Document.
type Statement struct {
	// Sid names the statement.
	Sid string `json:"Sid"`
	// Effect is "Allow" or "Deny".
	Effect string `json:"Effect"`
	// Principal is who the statement is about, in a resource or trust
	// policy, such as {"Service": "ec2.amazonaws.com"}.
	Principal map[string]string `json:"Principal,omitempty"`
	// Action are the actions, such as "sqs:SendMessage".
	Action []string `json:"Action"`
	// Resource are the ARNs the actions may act on.
	Resource []string `json:"Resource,omitempty"`
	// Condition maps an operator to its keys and values, such as
	// {"StringEquals": {"aws:SourceAccount": "123456789012"}}.
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

// New is a document of these statements, at Version.
func New(statements ...Statement) Document {
	return Document{Version: Version, Statement: statements}
}

// JSON is the document as a policy argument takes it.
func (d Document) JSON() (string, error) {
	b, err := json.Marshal(d)
	return string(b), err
}
