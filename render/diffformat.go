package render

import (
	"fmt"
	"io"
	"strings"
)

var changeSymbols = map[string]string{ChangeAdded: "+", ChangeRemoved: "-", ChangeChanged: "~"}

// WriteText prints the diff compactly, one role per block, for a terminal
// or a review.
func (d ReleaseDiff) WriteText(w io.Writer) {
	fmt.Fprintf(w, "AWS changes from %s to %s:\n", d.From, d.To)
	for _, r := range d.Roles {
		fmt.Fprintf(w, "%s %s (%s)", changeSymbols[r.Change], r.Role, r.SecretRef)
		switch r.Change {
		case ChangeAdded:
			fmt.Fprint(w, ": new role")
		case ChangeRemoved:
			fmt.Fprint(w, ": "+r.removedText())
		}
		fmt.Fprintln(w)
		if r.Change == ChangeChanged && !r.ServiceAccounts.Empty() {
			fmt.Fprintf(w, "    service accounts: %s (trust policy update)\n", formatSet(r.ServiceAccounts, "", ""))
		} else if r.Change == ChangeAdded {
			fmt.Fprintf(w, "    service accounts: %s\n", strings.Join(r.ServiceAccounts.Added, ", "))
		}
		for _, s := range r.Statements {
			fmt.Fprintf(w, "    %s %s\n", changeSymbols[s.Change], s.text("", ""))
		}
		if r.NewNamespace {
			fmt.Fprintf(w, "    namespace %s is new in %s: create it before the Secret lands\n", r.SecretRef.Namespace, d.To)
		}
	}
	fmt.Fprintf(w, "Summary: %s\n", d.summary())
}

// WriteMarkdown prints the diff as a Markdown table for a pull-request
// comment.
func (d ReleaseDiff) WriteMarkdown(w io.Writer) {
	fmt.Fprintf(w, "### AWS changes from %s to %s\n\n", d.From, d.To)
	if d.Empty() {
		fmt.Fprintln(w, "No role, permission or service account changes.")
		return
	}
	fmt.Fprintln(w, "| | role | Secret | what changes |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, r := range d.Roles {
		var details []string
		switch r.Change {
		case ChangeAdded:
			details = append(details, "new role; service accounts "+code(strings.Join(r.ServiceAccounts.Added, ", ")))
		case ChangeRemoved:
			details = append(details, r.removedText())
		default:
			if !r.ServiceAccounts.Empty() {
				details = append(details, "service accounts "+formatSet(r.ServiceAccounts, "`", "`")+" (trust policy update)")
			}
		}
		for _, s := range r.Statements {
			details = append(details, changeSymbols[s.Change]+" "+s.text("`", "`"))
		}
		if r.NewNamespace {
			details = append(details, "namespace "+code(r.SecretRef.Namespace)+" is new: create it before the Secret")
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", changeSymbols[r.Change], code(r.Role), code(r.SecretRef.String()), strings.Join(details, "<br>"))
	}
	fmt.Fprintf(w, "\n%s\n", d.summary())
}

func (d ReleaseDiff) summary() string {
	counts := map[string]int{}
	for _, r := range d.Roles {
		counts[r.Change]++
	}
	var parts []string
	for _, c := range []string{ChangeChanged, ChangeAdded, ChangeRemoved} {
		if counts[c] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[c], c))
		}
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, ", ")
}

func (s StatementChange) text(open, close string) string {
	where := fmt.Sprintf("%s on %s%s%s", s.Effect, open, s.Resource, close)
	if s.FromResource != "" {
		where = fmt.Sprintf("%s on %s%s%s (was %s%s%s)", s.Effect, open, s.Resource, close, open, s.FromResource, close)
	}
	if s.Condition != "" {
		where += fmt.Sprintf(" if %s%s%s", open, s.Condition, close)
	}
	if s.FromCondition != "" {
		where += fmt.Sprintf(" (condition was %s%s%s)", open, s.FromCondition, close)
	}
	switch s.Change {
	case ChangeAdded:
		return where + ": " + wrap(s.Actions.Added, open, close, s.AccessLevels)
	case ChangeRemoved:
		return where + ": " + wrap(s.Actions.Removed, open, close, s.AccessLevels)
	}
	detail := formatActions(s.Actions, open, close, s.AccessLevels)
	if detail == "" {
		return fmt.Sprintf("%s (%d actions)", where, s.Unchanged)
	}
	return fmt.Sprintf("%s: %s (%d kept)", where, detail, s.Unchanged)
}

func formatSet(c SetChange, open, close string) string { return formatActions(c, open, close, nil) }

// formatActions lists added and removed items, each action with its
// access level when the review gave one.
func formatActions(c SetChange, open, close string, levels map[string]string) string {
	var parts []string
	for _, a := range c.Added {
		parts = append(parts, "+"+open+a+close+levelText(levels, a))
	}
	for _, r := range c.Removed {
		parts = append(parts, "-"+open+r+close+levelText(levels, r))
	}
	return strings.Join(parts, ", ")
}

func wrap(list []string, open, close string, levels map[string]string) string {
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = open + x + close + levelText(levels, x)
	}
	return strings.Join(out, ", ")
}

func levelText(levels map[string]string, action string) string {
	if l := levels[action]; l != "" {
		return " (" + l + ")"
	}
	return ""
}

func code(s string) string { return "`" + s + "`" }
