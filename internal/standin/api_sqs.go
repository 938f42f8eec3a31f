package standin

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

const (
	sqsTargetPrefix = "AmazonSQS."
	sqsNamespace    = "com.amazonaws.sqs#"
	sqsContentType  = "application/x-amz-json-1.0"
)

// sqsAttributes are the queue attributes the stand-in answers, all zero:
// nothing ever sends a message to a stand-in queue.
var sqsAttributes = []string{
	"ApproximateNumberOfMessages",
	"ApproximateNumberOfMessagesNotVisible",
	"ApproximateNumberOfMessagesDelayed",
}

// sqsAPI answers SQS's calls about the Store's queues.
type sqsAPI struct {
	store *Store
}

// serve answers an awsJson1_0 request whose X-Amz-Target is
// AmazonSQS.<Op>.
func (s *sqsAPI) serve(c *apiCall) {
	target := c.r.Header.Get("X-Amz-Target")
	if !strings.HasPrefix(target, sqsTargetPrefix) {
		sqsError(c, &apiError{Status: http.StatusBadRequest, Code: "UnknownOperationException",
			Message: "stand-in AWS API: operation " + target + " is not implemented (only AmazonSQS speaks awsJson here)"})
		return
	}
	op := strings.TrimPrefix(target, sqsTargetPrefix)
	faults, aerr := apiFaultsInForce(s.store)
	if aerr != nil {
		sqsError(c, aerr)
		return
	}
	if t, aerr := apiThrottled(s.store, apiSvcSQS, faults); aerr != nil || t {
		if aerr == nil {
			// SQS's modeled throttling error; the SDK retries its code.
			aerr = &apiError{Status: http.StatusForbidden, Code: "RequestThrottled",
				Message: "Rate exceeded (stand-in throttle fault on sqs)"}
		}
		sqsError(c, aerr)
		return
	}
	switch op {
	case "GetQueueAttributes":
		s.getQueueAttributes(c)
	default:
		sqsError(c, &apiError{Status: http.StatusBadRequest, Code: "AWS.SimpleQueueService.UnsupportedOperation",
			Shape: "UnsupportedOperation", Message: "stand-in AWS API: SQS operation " + op + " is not implemented"})
	}
}

// getQueueAttributes answers GetQueueAttributes for the Queue resource
// whose url output is QueueUrl.
func (s *sqsAPI) getQueueAttributes(c *apiCall) {
	var in struct {
		QueueURL       string   `json:"QueueUrl"`
		AttributeNames []string `json:"AttributeNames"`
	}
	if err := json.NewDecoder(c.r.Body).Decode(&in); err != nil {
		sqsError(c, &apiError{Status: http.StatusBadRequest, Code: "InvalidAttributeValue",
			Message: "stand-in AWS API: GetQueueAttributes body is not JSON: " + err.Error()})
		return
	}
	queues, aerr := apiResourcesOf(s.store, apiTypeQueue)
	if aerr != nil {
		sqsError(c, aerr)
		return
	}
	var queue *Resource
	for i, q := range queues {
		url := q.Str("url")
		if url == "" {
			url = q.ID // pulumi-aws's queue ID is its URL
		}
		if in.QueueURL != "" && url == in.QueueURL {
			queue = &queues[i]
			break
		}
	}
	if queue == nil {
		sqsError(c, &apiError{Status: http.StatusBadRequest, Code: "AWS.SimpleQueueService.NonExistentQueue",
			Shape: "QueueDoesNotExist", Message: "The specified queue does not exist."})
		return
	}
	all := slices.Contains(in.AttributeNames, "All")
	attrs := map[string]string{}
	for _, name := range sqsAttributes {
		if all || slices.Contains(in.AttributeNames, name) {
			attrs[name] = "0"
		}
	}
	if arn := queue.Str("arn"); arn != "" && (all || slices.Contains(in.AttributeNames, "QueueArn")) {
		attrs["QueueArn"] = arn
	}
	body, err := json.Marshal(map[string]any{"Attributes": attrs})
	if err != nil {
		sqsError(c, errAPIInternal(err))
		return
	}
	c.write(http.StatusOK, sqsContentType, body)
}

// sqsError writes e the awsJson way; SQS being awsQuery-compatible, the
// query code travels in X-Amzn-Query-Error and the SDK reports it.
func sqsError(c *apiCall, e *apiError) {
	c.w.Header().Set("X-Amzn-Query-Error", e.Code+";"+e.faultType())
	body, err := json.Marshal(map[string]string{"__type": sqsNamespace + e.shape(), "message": e.Message})
	if err != nil {
		body = []byte(`{"__type":"` + sqsNamespace + `InternalError"}`)
	}
	c.write(e.Status, sqsContentType, body)
}
