package release

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a release's semantic version.
type Version struct {
	Major, Minor, Patch int
	Raw                 string
}

// Compare orders versions by major, minor and patch (pre-release suffixes
// are not compared): -1, 0 or 1.
func (v *Version) Compare(o *Version) int {
	for _, d := range [][2]int{{v.Major, o.Major}, {v.Minor, o.Minor}, {v.Patch, o.Patch}} {
		switch {
		case d[0] < d[1]:
			return -1
		case d[0] > d[1]:
			return 1
		}
	}
	return 0
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
	return &Version{Major: nums[0], Minor: nums[1], Patch: nums[2], Raw: raw}, nil
}
