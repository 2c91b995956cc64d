package krm

import (
	"os"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTuneGC(t *testing.T) {
	previous := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(previous) })

	t.Setenv("GOGC", "50")
	tuneGC(100)
	assert.Equal(t, 100, debug.SetGCPercent(100), "a GOGC the user set is left alone")

	os.Unsetenv("GOGC") // t.Setenv restores it
	tuneGC(100)
	assert.Equal(t, functionGCPercent, debug.SetGCPercent(100), "without GOGC a small function run collects later")

	limit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(limit) })
	t.Setenv("GOMEMLIMIT", "")
	os.Unsetenv("GOMEMLIMIT")
	tuneGC(largeInput)
	assert.Equal(t, 100, debug.SetGCPercent(100), "a large input keeps Go's default percentage")
	assert.Equal(t, int64(softMemoryLimit), debug.SetMemoryLimit(-1), "and a soft memory limit")
	tuneGC(64 << 20)
	assert.Equal(t, int64(64<<20)*liveBytesPerInputByte, debug.SetMemoryLimit(-1), "which grows with the input")
	debug.SetMemoryLimit(limit)
	t.Setenv("GOMEMLIMIT", "1GiB")
	tuneGC(largeInput)
	assert.Equal(t, limit, debug.SetMemoryLimit(-1), "a GOMEMLIMIT the user set is left alone")
}
