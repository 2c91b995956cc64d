// Package mototest runs moto_server, the AWS stand-in of the applier tests,
// on a free loopback port for the duration of a test binary.
package mototest

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server is a running moto_server.
type Server struct {
	// Endpoint is http://127.0.0.1:<port>.
	Endpoint string
	cmd      *exec.Cmd
}

// Main starts moto for m and returns the exit code. Without moto_server the
// tests run and skip through Require, except under CI=true, where it is an
// error. label names the package in messages.
func Main(m *testing.M, label string, server **Server) int {
	s, err := Start()
	if err != nil {
		if os.Getenv("CI") == "true" {
			fmt.Fprintf(os.Stderr, "%s: %v\nCI=true requires moto_server for the AWS tests (pip install \"moto[server]\")\n", label, err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "%s: %v; the AWS tests are skipped (pip install \"moto[server]\" to run them)\n", label, err)
	}
	*server = s
	code := m.Run()
	if s != nil {
		s.Stop()
	}
	return code
}

// Start runs moto_server in its own process group and waits until it
// answers. env adds KEY=value settings to its environment, such as
// ManagedPolicies.
func Start(env ...string) (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, fmt.Errorf("moto_server not found on PATH")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = append(os.Environ(), env...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.Endpoint + "/moto-api/data.json")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Stop()
	return nil, fmt.Errorf("moto_server did not answer within 30 s: %s", logs.String())
}

// ManagedPolicies makes moto know the AWS-managed policies of its list
// (arn:aws:iam::aws:policy/…), which it otherwise lacks. Each IAM reset
// then costs about a second, so only the tests that attach them use it.
const ManagedPolicies = "MOTO_IAM_LOAD_MANAGED_POLICIES=true"

// Stop ends moto_server: SIGTERM to its group, SIGKILL after 5 s.
func (s *Server) Stop() {
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// Require skips the test without moto and otherwise resets moto's state,
// including IAM policy enforcement a test may have turned on.
func Require(t testing.TB, s *Server) {
	t.Helper()
	if s == nil {
		t.Skip("moto_server is not installed; the AWS tests are skipped (pip install \"moto[server]\")")
	}
	// Enforcement starts after this many unauthenticated-by-policy requests:
	// far more than any test makes.
	for _, call := range []struct{ path, body string }{{"/moto-api/reset-auth", "1000000000"}, {"/moto-api/reset", ""}} {
		resp, err := http.Post(s.Endpoint+call.path, "text/plain", strings.NewReader(call.body))
		if err != nil {
			t.Fatalf("reset moto: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("reset moto: %s answered %s", call.path, resp.Status)
		}
	}
}
