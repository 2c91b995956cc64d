package safetext

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEscape(t *testing.T) {
	cases := []struct{ reason, in, want string }{
		{"plain text is unchanged", "dropped CredentialsRequest ns/name", "dropped CredentialsRequest ns/name"},
		{"newlines and tabs of multi-line errors stay", "a\n\tb", "a\n\tb"},
		{"ESC sequences are made visible", "evil\x1b]0;owned\x07.yaml", `evil\x1b]0;owned\x07.yaml`},
		{"carriage returns cannot overwrite a line", "ok\rFAKE", `ok\x0dFAKE`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"C1 controls (CSI as one rune)", "a\u009bb", `a\u009bb`},
		{"invalid UTF-8 bytes", "a\xffb", `a\xffb`},
		{"other Unicode is fine", "café ✓", "café ✓"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, Escape(tc.in), tc.reason)
	}
	var buf bytes.Buffer
	n, err := Writer{&buf}.Write([]byte("x\x1by"))
	assert.NoError(t, err)
	assert.Equal(t, 3, n, "the caller's count is kept")
	assert.Equal(t, `x\x1by`, buf.String())
}
