package krm

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stsrender/stsrender/fn"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// streamInput is a transformer's ResourceList with n application
// CredentialsRequests, as kustomize hands it over.
func streamInput(tb testing.TB, n int) []byte {
	tb.Helper()
	key := filepath.Join("..", "..", "fn", "testdata", "shared", "sa-signer.pub")
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for i := range n {
		fmt.Fprintf(&b, `- apiVersion: cloudcredential.openshift.io/v1
  kind: CredentialsRequest
  metadata:
    name: app-%[1]d
    namespace: openshift-cloud-credential-operator
    annotations:
      config.kubernetes.io/index: '%[1]d'
  spec:
    serviceAccountNames: [app-%[1]d]
    secretRef: {name: app-%[1]d-creds, namespace: team-%[2]d}
    providerSpec:
      apiVersion: cloudcredential.openshift.io/v1
      kind: AWSProviderSpec
      statementEntries:
      - effect: Allow
        action: [s3:GetObject, s3:PutObject]
        resource: arn:aws:s3:::bucket-%[1]d/*
`, i, i%50)
	}
	fmt.Fprintf(&b, `functionConfig:
  apiVersion: stsrender.dev/v1alpha1
  kind: STSCredentials
  metadata:
    name: demo
    annotations:
      config.kubernetes.io/function: |
        exec:
          path: stsrender
  spec:
    name: demo
    aws: {accountID: "123456789012", region: us-east-2}
    oidc: {publicKeyFile: %q}
`, key)
	return []byte(b.String())
}

// streamProcessor is the function, with the repository as the operator's
// root (the key lives in fn's test data).
func streamProcessor(tb testing.TB) *fn.Processor {
	tb.Helper()
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		tb.Fatal(err)
	}
	return &fn.Processor{Context: context.Background(), Root: repo}
}

// liveAfter wraps a processor and records the heap that is live when it
// returns: the parsed stream and the rendered objects, all of which the
// output still needs.
type liveAfter struct {
	next framework.ResourceListProcessor
	live uint64
}

func (l *liveAfter) Process(rl *framework.ResourceList) error {
	err := l.next.Process(rl)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	l.live = ms.HeapAlloc
	return err
}

// BenchmarkStreamRequests renders 10,000 streamed CredentialsRequests and
// prints the live heap per request. The floor, measured in the same run,
// is kyaml's own framework.Execute with a function that does nothing:
// reading and writing the same ResourceList, one YAML document.
func BenchmarkStreamRequests(b *testing.B) {
	const n = 10000
	input := streamInput(b, n)
	previousGC, previousLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	b.Cleanup(func() { debug.SetGCPercent(previousGC); debug.SetMemoryLimit(previousLimit) })
	b.Logf("input: %d requests, %.1f MB", n, float64(len(input))/1e6)

	b.Run("stsrender", func(b *testing.B) {
		tuneGC(len(input))
		var live uint64
		for b.Loop() {
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			p := &liveAfter{next: streamProcessor(b)}
			if err := execute(p, input, io.Discard); err != nil {
				b.Fatal(err)
			}
			live = p.live - before.HeapAlloc
		}
		b.ReportMetric(float64(live)/n, "live-B/request")
		b.ReportMetric(float64(live)/1e6, "live-MB")
	})
	b.Run("floor-kyaml-identity", func(b *testing.B) {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(previousLimit)
		for b.Loop() {
			identity := framework.ResourceListProcessorFunc(func(*framework.ResourceList) error { return nil })
			rw := &kio.ByteReadWriter{Reader: bytes.NewReader(input), Writer: io.Discard, KeepReaderAnnotations: true}
			if err := framework.Execute(identity, rw); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestStreamOutputIsTheFunctions: the benchmark's input renders, and every
// request gets its Secret (the benchmark measures a real render).
func TestStreamOutputIsTheFunctions(t *testing.T) {
	var out bytes.Buffer
	if err := execute(streamProcessor(t), streamInput(t, 50), &out); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(out.String(), "\n  kind: Secret\n"); got != 50 {
		t.Fatalf("%d Secrets for 50 requests", got)
	}
}
