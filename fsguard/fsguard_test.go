package fsguard

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok")
	require.NoError(t, os.WriteFile(ok, []byte("12345"), 0o644))
	data, err := ReadRegular(ok, 5)
	require.NoError(t, err)
	assert.Equal(t, "12345", string(data), "exactly at the limit is within it")
	_, err = ReadRegular(ok, 4)
	var tooLarge *TooLargeError
	assert.ErrorAs(t, err, &tooLarge)

	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	cases := map[string]string{"/dev/zero": "a device", dir: "a directory", fifo: "a named pipe"}
	for path, kind := range cases {
		_, err := ReadRegular(path, 1<<20)
		assert.ErrorContains(t, err, "is not a regular file ("+kind+")", path)
	}
	// Opening a FIFO for reading blocks until a writer comes: it is refused
	// from its stat, without waiting (this test would hang otherwise).
	r, err := NewRoot(dir)
	require.NoError(t, err)
	assert.ErrorContains(t, r.CheckTree(dir), "fifo is not a regular file (a named pipe)")
}

func TestRootConfines(t *testing.T) {
	top := t.TempDir()
	inside := filepath.Join(top, "app")
	outside := filepath.Join(top, "other")
	require.NoError(t, os.MkdirAll(filepath.Join(inside, "sub"), 0o755))
	require.NoError(t, os.MkdirAll(outside, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(inside, "a"), []byte("a"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644))
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(inside, "link")))
	require.NoError(t, os.Symlink(filepath.Join(inside, "a"), filepath.Join(inside, "sub", "good-link")))
	// A sibling whose name starts like the root is not inside it.
	require.NoError(t, os.MkdirAll(inside+"-evil", 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(inside+"-evil", "x"), []byte("x"), 0o644))

	r, err := NewRoot(inside)
	require.NoError(t, err)
	_, err = r.ReadFile(filepath.Join(inside, "a"), 10)
	assert.NoError(t, err)
	_, err = r.ReadFile(filepath.Join(inside, "sub", "good-link"), 10)
	assert.NoError(t, err, "a symlink that stays inside is fine")
	for _, p := range []string{filepath.Join(inside, "link"), filepath.Join(inside, "..", "other", "secret"), filepath.Join(inside+"-evil", "x")} {
		_, err := r.ReadFile(p, 10)
		var outsideErr *OutsideRootError
		assert.ErrorAs(t, err, &outsideErr, p)
	}
	assert.ErrorContains(t, r.CheckTree(inside), "link is outside")
	assert.NoError(t, r.CheckTree(filepath.Join(inside, "sub")))

	var unconfined Root
	data, err := unconfined.ReadFile(filepath.Join(outside, "secret"), 10)
	require.NoError(t, err, "the CLI's user owns every path")
	assert.Equal(t, "s", string(data))
}
