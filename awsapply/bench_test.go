package awsapply

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkApply50Roles applies a 50-role cluster to moto from scratch and
// then again unchanged, reporting wall time and API calls of each; the
// re-apply must make no mutating call.
func BenchmarkApply50Roles(b *testing.B) {
	requireMoto(b)
	px := newProxy(b)
	m := testModel(b, 50, nil)
	var fresh, again time.Duration
	var freshCalls, freshMutating, againCalls, againMutating int
	for i := 0; i < b.N; i++ {
		requireMoto(b) // reset moto: every iteration starts from an empty account
		px.reset()
		p := newPlanner(b, px, m)
		start := time.Now()
		plan, err := p.Plan(context.Background())
		require.NoError(b, err)
		require.NoError(b, p.Apply(context.Background(), plan))
		fresh += time.Since(start)
		total, mutating := px.counts()
		freshCalls += total
		freshMutating += len(mutating)

		px.reset()
		start = time.Now()
		plan, err = p.Plan(context.Background())
		require.NoError(b, err)
		require.NoError(b, p.Apply(context.Background(), plan))
		again += time.Since(start)
		total, mutating = px.counts()
		require.Empty(b, mutating, "a no-change re-apply makes no mutating call")
		againCalls += total
		againMutating += len(mutating)
	}
	n := float64(b.N)
	b.ReportMetric(float64(fresh.Milliseconds())/n, "fresh-ms")
	b.ReportMetric(float64(freshCalls)/n, "fresh-calls")
	b.ReportMetric(float64(freshMutating)/n, "fresh-mutating")
	b.ReportMetric(float64(again.Milliseconds())/n, "reapply-ms")
	b.ReportMetric(float64(againCalls)/n, "reapply-calls")
	b.ReportMetric(float64(againMutating)/n, "reapply-mutating")
}
