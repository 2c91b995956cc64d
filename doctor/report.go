package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Status is a check's outcome.
type Status string

// The outcomes.
const (
	Pass Status = "pass"
	Fail Status = "FAIL"
	Skip Status = "skipped"
)

// Check is one named check.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Detail says what was found (or, skipped, why not checked).
	Detail string `json:"detail"`
	// Breaks is what a pod sees when this check fails: the STS error.
	Breaks string `json:"breaks,omitempty"`
	// Fix says how to repair it.
	Fix string `json:"fix,omitempty"`
}

// Report is the checklist of one run.
type Report struct {
	Issuer string  `json:"issuer"`
	Checks []Check `json:"checks"`
	Passed int     `json:"passed"`
	Failed int     `json:"failed"`
	Skips  int     `json:"skipped"`
}

func (r *Report) add(c Check) {
	r.Checks = append(r.Checks, c)
	switch c.Status {
	case Pass:
		r.Passed++
	case Fail:
		r.Failed++
	default:
		r.Skips++
	}
}

func (r *Report) pass(name, format string, args ...any) {
	r.add(Check{Name: name, Status: Pass, Detail: fmt.Sprintf(format, args...)})
}

func (r *Report) skip(name, format string, args ...any) {
	r.add(Check{Name: name, Status: Skip, Detail: fmt.Sprintf(format, args...)})
}

func (r *Report) fail(name, breaks, fix, format string, args ...any) {
	r.add(Check{Name: name, Status: Fail, Detail: fmt.Sprintf(format, args...), Breaks: breaks, Fix: fix})
}

// Failed reports whether any check failed.
func (r *Report) HasFailures() bool { return r.Failed > 0 }

// WriteText prints the checklist, one line per check, with what a FAIL
// breaks and how to fix it.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "stsrender doctor: issuer %s\n", orUnknown(r.Issuer))
	width := 0
	for _, c := range r.Checks {
		width = max(width, len(c.Name))
	}
	for _, c := range r.Checks {
		label := map[Status]string{Pass: "pass", Fail: "FAIL", Skip: "skip"}[c.Status]
		fmt.Fprintf(w, "  %-4s  %-*s  %s\n", label, width, c.Name, c.Detail)
		if c.Status == Fail {
			if c.Breaks != "" {
				fmt.Fprintf(w, "        %*s  breaks: %s\n", width, "", c.Breaks)
			}
			if c.Fix != "" {
				fmt.Fprintf(w, "        %*s  fix:    %s\n", width, "", c.Fix)
			}
		}
	}
	var parts []string
	parts = append(parts, fmt.Sprintf("%d pass", r.Passed))
	if r.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d FAIL", r.Failed))
	}
	if r.Skips > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", r.Skips))
	}
	fmt.Fprintf(w, "Summary: %s\n", strings.Join(parts, ", "))
}

// WriteJSON prints the report for machines.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}
