package krm

import (
	"os"
	"runtime/debug"
)

// functionGCPercent lets a warm render finish without a garbage
// collection. A function process lives for milliseconds and allocates about
// 3 MB, most of it during package initialisation; with Go's default of 100
// the first collection starts at 4 MB and its background workers compete
// with the render for the CPU (about 1 ms of a 10 ms run, measured by
// BenchmarkKustomizeQuickstart). At 400 the first collection waits for
// 16 MB and later ones still keep the heap within five times what is live,
// so a cold render that pulls a release stays bounded.
const functionGCPercent = 400

// tuneGC applies functionGCPercent unless the user chose GOGC.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(functionGCPercent)
	}
}
