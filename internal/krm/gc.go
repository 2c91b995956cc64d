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
// BenchmarkKustomizeQuickstart).
const functionGCPercent = 400

// largeInput is where the trade turns: a resource stream of this size
// holds thousands of objects, whose parsed YAML is about 14 times the
// input and lives for the whole run, and five times that would be more
// than a renderer should hold.
const largeInput = 1 << 20

// softMemoryLimit is the heap the collector aims to stay under for large
// inputs (debug.SetMemoryLimit): 10,000 streamed CredentialsRequests live
// in about 140 MB. A larger input raises it, so a stream the operator
// allowed (STSRENDER_MAX_STREAM_REQUESTS) is never starved into a
// collection loop.
const softMemoryLimit = 280 << 20

// liveBytesPerInputByte bounds what the parsed input and the rendered
// output keep alive per byte of input: 26 measured with 10,000 streamed
// requests, and room for the collector to work without running nonstop.
const liveBytesPerInputByte = 48

// tuneGC sets the collector for the input at hand, unless the user chose
// GOGC or GOMEMLIMIT.
func tuneGC(inputSize int) {
	if inputSize < largeInput {
		if _, set := os.LookupEnv("GOGC"); !set {
			debug.SetGCPercent(functionGCPercent)
		}
		return
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(max(softMemoryLimit, int64(inputSize)*liveBytesPerInputByte))
	}
}
