// Package safetext makes untrusted text safe to print on a terminal.
//
// Names in payload files, metadata.name values and file names come from
// registries and Git; printed raw, an ESC sequence in one of them can
// rewrite the terminal of whoever reads the log (move the cursor, hide
// lines, set the window title).
package safetext

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Escape replaces control characters (C0 but newline and tab, DEL, C1) and
// invalid UTF-8 with visible escapes such as \x1b. Newlines stay: multi-
// line messages (joined errors) are legitimate.
func Escape(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func isClean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || c >= 0x80 {
			if c >= 0x80 {
				return utf8.ValidString(s) && !hasC1(s)
			}
			return false
		}
	}
	return true
}

func hasC1(s string) bool {
	for _, r := range s {
		if r >= 0x80 && r <= 0x9f {
			return true
		}
	}
	return false
}

// Writer escapes everything written through it.
type Writer struct{ W io.Writer }

// Raw is the writer underneath, for output that is known to be safe and
// needs control characters (a progress line redrawn with \r).
func (w Writer) Raw() io.Writer { return w.W }

func (w Writer) Write(p []byte) (int, error) {
	if _, err := w.W.Write([]byte(Escape(string(p)))); err != nil {
		return 0, err
	}
	return len(p), nil
}
