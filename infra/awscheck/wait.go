package awscheck

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// WaitInsync implements DNS with route53.ResourceRecordSetsChangedWaiter:
// the waiter makes the GetChange calls, paces them and bounds the whole
// wait; its Retryable hook decides each answer, keeps the last status for
// the error, and calls o.Poll on every PENDING.
func (c route53DNS) WaitInsync(ctx context.Context, changeID string, o WaitOptions) error {
	if o.MinDelay <= 0 {
		o.MinDelay = DefaultWaitDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = max(DefaultWaitDelay, o.MinDelay)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultWaitTimeout
	}
	calls, last := 0, "none"
	retryable := func(ctx context.Context, _ *route53.GetChangeInput, out *route53.GetChangeOutput, err error) (bool, error) {
		calls++
		if err != nil {
			var nc *r53types.NoSuchChange
			if errors.As(err, &nc) {
				return false, fmt.Errorf("%w: %w", ErrNotFound, err)
			}
			return false, err
		}
		if out == nil || out.ChangeInfo == nil {
			return false, errors.New("the GetChange response carried no change info")
		}
		last = string(out.ChangeInfo.Status)
		switch last {
		case ChangeInsync:
			return false, nil
		case ChangePending:
		default:
			// An unexpected state would otherwise be retried until the
			// timeout and hide the real cause.
			return false, fmt.Errorf("unexpected status %q", last)
		}
		if o.Poll != nil {
			if err := o.Poll(ctx, calls, last); err != nil {
				return false, err
			}
		}
		return true, nil
	}
	w := route53.NewResourceRecordSetsChangedWaiter(c.r53, func(wo *route53.ResourceRecordSetsChangedWaiterOptions) {
		wo.MinDelay, wo.MaxDelay, wo.Retryable = o.MinDelay, o.MaxDelay, retryable
	})
	if _, err := w.WaitForOutput(ctx, &route53.GetChangeInput{Id: aws.String(changeID)}, o.Timeout); err != nil {
		// The waiter's bound ends a wait in one of two ways, depending on
		// whether it strikes between polls or during one; either is the
		// timeout, unless the caller's own context ended.
		if ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "exceeded max wait time")) {
			err = fmt.Errorf("still %s after %s: %w", last, o.Timeout, err)
		}
		return fmt.Errorf("wait for route53 change %s to be INSYNC (last status %s, after %d GetChange calls): %w", changeID, last, calls, err)
	}
	return nil
}
