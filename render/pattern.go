package render

import (
	"regexp"
	"sync"
)

// lazyPattern compiles expr on first use. Every command and every KRM run
// imports render, and compiling its sixteen patterns at package init cost
// each start of the binary 1.4 ms and 1,500 allocations (GODEBUG=inittrace),
// most of them for validation a given run never reaches.
func lazyPattern(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
