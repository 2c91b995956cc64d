package release

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is the major and minor of a release's semantic version.
type Version struct {
	Major, Minor int
	Raw          string
}

// ParseVersion reads "4.18.3", "4.22.0-ec.1" and the like.
func ParseVersion(raw string) (*Version, error) {
	core := raw
	if i := strings.IndexAny(core, "-+"); i >= 0 {
		core = core[:i]
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("release version %q is not a semantic version", raw)
	}
	nums := make([]int, 3)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("release version %q is not a semantic version", raw)
		}
		nums[i] = n
	}
	return &Version{Major: nums[0], Minor: nums[1], Raw: raw}, nil
}
