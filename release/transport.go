package release

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/tarball"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// guardedTransport is the registry transport with the client's timeouts,
// a stall detector on every response body and a size cap on manifests.
func (c *Client) guardedTransport() http.RoundTripper {
	t := c.timeouts()
	next := c.transport()
	if base, ok := next.(*http.Transport); ok {
		clone := base.Clone()
		dialer := &net.Dialer{Timeout: t.Connect, KeepAlive: 30 * time.Second}
		clone.DialContext = dialer.DialContext
		clone.TLSHandshakeTimeout = t.Connect
		clone.ResponseHeaderTimeout = t.Response
		next = clone
	}
	return &guard{next: next, timeouts: t, manifestLimit: c.limits().ManifestBytes}
}

type guard struct {
	next          http.RoundTripper
	timeouts      Timeouts
	manifestLimit int64
}

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := g.next.RoundTrip(req)
	if err != nil {
		return nil, g.explain(req, err)
	}
	body := resp.Body
	if strings.Contains(req.URL.Path, "/manifests/") {
		if resp.ContentLength > g.manifestLimit {
			resp.Body.Close()
			return nil, fmt.Errorf("registry %s: %w", req.URL.Host, &LimitError{What: "manifest " + req.URL.Path, Limit: g.manifestLimit})
		}
		body = &cappedBody{ReadCloser: body, limit: g.manifestLimit, what: "registry " + req.URL.Host + ": manifest " + req.URL.Path}
	}
	resp.Body = newStallBody(body, g.timeouts.Stall, req.URL.Host)
	return resp, nil
}

// explain names the registry and the step that timed out.
func (g *guard) explain(req *http.Request, err error) error {
	var netErr net.Error
	var opErr *net.OpError
	switch {
	case errors.As(err, &opErr) && opErr.Op == "dial" && errors.As(err, &netErr) && netErr.Timeout():
		return &TimeoutError{msg: fmt.Sprintf("registry %s: no connection within %s (%s)", req.URL.Host, g.timeouts.Connect, EnvConnectTimeout)}
	case strings.Contains(err.Error(), "TLS handshake timeout"):
		return &TimeoutError{msg: fmt.Sprintf("registry %s: TLS handshake not done within %s (%s)", req.URL.Host, g.timeouts.Connect, EnvConnectTimeout)}
	case strings.Contains(err.Error(), "timeout awaiting response headers"):
		return &TimeoutError{msg: fmt.Sprintf("registry %s: no response within %s (%s)", req.URL.Host, g.timeouts.Response, EnvResponseTimeout)}
	}
	return err
}

// TimeoutError is a registry step that ran out of time. It is final:
// retrying a registry that does not answer would only multiply the wait
// past the point where Argo CD or CI kills the render without a word.
type TimeoutError struct{ msg string }

func (e *TimeoutError) Error() string { return e.msg }

// retryable is go-containerregistry's retry rule minus the errors that are
// final here: timeouts and limits.
func retryable(err error) bool {
	var timeout *TimeoutError
	var limit *LimitError
	if errors.As(err, &timeout) || errors.As(err, &limit) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if t, ok := err.(interface{ Temporary() bool }); ok && t.Temporary() {
		return true
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) {
		return true
	}
	return false
}

// cappedBody fails a manifest body that goes on past the limit.
type cappedBody struct {
	io.ReadCloser
	limit, read int64
	what        string
}

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	if b.read > b.limit {
		return 0, &LimitError{What: b.what, Limit: b.limit}
	}
	return n, err
}

// stallBody aborts a transfer that receives fewer than StallBytes within a
// window: closing the body unblocks the Read waiting on it.
type stallBody struct {
	io.ReadCloser
	host   string
	window time.Duration

	mu       sync.Mutex
	received int64
	stalled  bool
	done     bool
	timer    *time.Timer
}

func newStallBody(body io.ReadCloser, window time.Duration, host string) *stallBody {
	s := &stallBody{ReadCloser: body, host: host, window: window}
	s.timer = time.AfterFunc(window, s.check)
	return s
}

func (s *stallBody) check() {
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return
	}
	if s.received < StallBytes {
		s.stalled = true
		s.mu.Unlock()
		s.ReadCloser.Close()
		return
	}
	s.received = 0
	s.timer.Reset(s.window)
	s.mu.Unlock()
}

func (s *stallBody) Read(p []byte) (int, error) {
	n, err := s.ReadCloser.Read(p)
	s.mu.Lock()
	s.received += int64(n)
	stalled := s.stalled
	if err != nil {
		s.done = true
		s.timer.Stop()
	}
	s.mu.Unlock()
	if stalled {
		return n, &TimeoutError{msg: fmt.Sprintf("registry %s: transfer stalled: fewer than %d bytes in %s (%s)", s.host, StallBytes, s.window, EnvStallTimeout)}
	}
	return n, err
}

func (s *stallBody) Close() error {
	s.mu.Lock()
	s.done = true
	s.timer.Stop()
	s.mu.Unlock()
	return s.ReadCloser.Close()
}

// imageFromArchive opens a docker save tarball after checking that its
// manifest.json, which the archive reader reads whole, is within the limit.
func (c *Client) imageFromArchive(path string) (v1.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read archive: %w", err)
		}
		if strings.TrimPrefix(hdr.Name, "./") == "manifest.json" && hdr.Size > c.limits().ManifestBytes {
			return nil, &LimitError{What: "manifest.json", Limit: c.limits().ManifestBytes}
		}
	}
	return tarball.ImageFromPath(path, nil)
}
