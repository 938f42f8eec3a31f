package deploy

import (
	"context"
	"fmt"

	"github.com/video-platform/video-platform/infra/decide"
)

// deployedWeights reads what the DNS stack's state says a service's
// records serve.
func (a *Workflow) deployedWeights(ctx context.Context, dns Stack, svc string) (map[string]int, error) {
	res, err := dns.Resources(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the deployed records of %s: %w", dns.Name(), err)
	}
	w := decide.RecordWeights(res, svc)
	if len(w) == 0 {
		return nil, fmt.Errorf("%s has no deployed weighted records for %s", dns.Name(), svc)
	}
	return w, nil
}
