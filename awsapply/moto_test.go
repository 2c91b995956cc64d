package awsapply

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stsrender/stsrender/internal/testsupport/mototest"
)

// moto is the moto_server this package's tests share; nil when moto is
// not installed (the tests then skip, or fail under CI=true).
var moto *mototest.Server

func TestMain(m *testing.M) { os.Exit(mototest.Main(m, "awsapply", &moto)) }

func requireMoto(t testing.TB) { mototest.Require(t, moto) }

// call is one request seen by the proxy.
type call struct {
	service, action string
	mutating        bool
}

// fault answers a matching request instead of moto.
type fault struct {
	match  func(call) bool
	status int
	body   string
	// share of matching requests affected (1 = all); remaining caps the count (0 = no cap).
	share     float64
	remaining int
	delay     time.Duration
}

// proxy sits between the SDK and moto: it records every call and injects
// faults and latency.
type proxy struct {
	t      testing.TB
	server *httptest.Server
	mu     sync.Mutex
	calls  []call
	faults []*fault
	rng    *rand.Rand
	// onCall runs after each forwarded call (used to cancel an apply midway).
	onCall func(call)
	// injected counts the requests answered by a fault instead of moto.
	injected int
	// target is the moto_server's endpoint.
	target string
}

var credentialScope = regexp.MustCompile(`Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request`)

func newProxy(t testing.TB) *proxy {
	t.Helper()
	return newProxyTo(t, moto.Endpoint)
}

// newProxyTo puts a proxy in front of another moto_server.
func newProxyTo(t testing.TB, endpoint string) *proxy {
	t.Helper()
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, rng: rand.New(rand.NewSource(42)), target: endpoint}
	rp := httputil.NewSingleHostReverseProxy(target)
	p.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := classify(r)
		if f := p.faultFor(c); f != nil {
			if f.delay > 0 {
				time.Sleep(f.delay)
			}
			if f.status != 0 {
				p.mu.Lock()
				p.injected++
				p.mu.Unlock()
				w.Header().Set("Content-Type", "text/xml")
				w.WriteHeader(f.status)
				_, _ = io.WriteString(w, f.body)
				return
			}
		}
		p.mu.Lock()
		p.calls = append(p.calls, c)
		hook := p.onCall
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
		if hook != nil {
			hook(c)
		}
	}))
	t.Cleanup(p.server.Close)
	return p
}

// classify names the service (from the SigV4 scope) and action of a request.
func classify(r *http.Request) call {
	c := call{service: "s3"}
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		c.service = m[1]
	}
	switch c.service {
	case "iam", "sts":
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		c.action = form.Get("Action")
		for _, prefix := range []string{"Create", "Put", "Update", "Tag", "Untag", "Delete", "Add", "Remove", "Attach", "Detach", "Set"} {
			c.mutating = c.mutating || strings.HasPrefix(c.action, prefix)
		}
	default:
		c.action = r.Method + " " + r.URL.Path
		if r.URL.RawQuery != "" {
			c.action += "?" + strings.Split(r.URL.RawQuery, "=")[0]
		}
		c.mutating = r.Method == http.MethodPut || r.Method == http.MethodPost || r.Method == http.MethodDelete
	}
	return c
}

func (p *proxy) faultFor(c call) *fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.faults {
		if !f.match(c) || p.rng.Float64() >= f.share {
			continue
		}
		if f.remaining < 0 {
			continue
		}
		if f.remaining > 0 {
			if f.remaining--; f.remaining == 0 {
				f.remaining = -1
			}
		}
		return f
	}
	return nil
}

func (p *proxy) setOnCall(hook func(call)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.onCall = hook
}

func (p *proxy) inject(f *fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append(p.faults, f)
}

func (p *proxy) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls, p.faults, p.onCall, p.injected = nil, nil, nil, 0
}

// countService counts the forwarded calls to one service.
func (p *proxy) countService(service string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.calls {
		if c.service == service {
			n++
		}
	}
	return n
}

func (p *proxy) counts() (total int, mutating []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.calls {
		if c.mutating {
			mutating = append(mutating, c.service+" "+c.action)
		}
	}
	return len(p.calls), mutating
}

// clients points the SDK at the proxy through the standard environment
// variables, as users point it at any endpoint.
func (p *proxy) clients(t testing.TB) *Clients {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": p.server.URL, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
		"AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
	} {
		setenv(t, k, v)
	}
	c, err := NewClients(context.Background(), "us-east-2", ClientOptions{MaxAttempts: 12, MaxBackoff: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func setenv(t testing.TB, k, v string) {
	if tt, ok := t.(*testing.T); ok {
		tt.Setenv(k, v)
		return
	}
	old, had := os.LookupEnv(k)
	os.Setenv(k, v)
	t.Cleanup(func() {
		if had {
			os.Setenv(k, old)
		} else {
			os.Unsetenv(k)
		}
	})
}

func iamError(code, message string) string {
	return fmt.Sprintf(`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fault</RequestId></ErrorResponse>`, code, message)
}

func s3Error(code, message string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>fault</RequestId></Error>`, code, message)
}
