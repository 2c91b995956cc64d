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
	tuneGC()
	assert.Equal(t, 100, debug.SetGCPercent(100), "a GOGC the user set is left alone")

	os.Unsetenv("GOGC") // t.Setenv restores it
	tuneGC()
	assert.Equal(t, functionGCPercent, debug.SetGCPercent(100), "without GOGC a function run collects later")
}
