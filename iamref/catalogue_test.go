package iamref_test

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stsrender/stsrender/iamref"
)

// TestEveryServiceIsFound walks the file as written and asks the
// catalogue's lookup for each service: the search relies on the
// generator's order, and a service it misses would make every one of its
// actions "unknown".
func TestEveryServiceIsFound(t *testing.T) {
	f, err := os.Open("catalogue.txt")
	require.NoError(t, err)
	defer f.Close()
	c := iamref.New()
	type service struct{ prefix, name, firstAction string }
	var services []service
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		for _, r := range line {
			require.Less(t, r, rune(0x80), "the catalogue is ASCII (lookups slice names from a lower-cased copy): %q", line)
		}
		if header, ok := strings.CutPrefix(line, "="); ok {
			prefix, name, _ := strings.Cut(header, " ")
			services = append(services, service{prefix: prefix, name: name})
			continue
		}
		if n := len(services); n > 0 && services[n-1].firstAction == "" && !strings.HasPrefix(line, "?") {
			services[n-1].firstAction, _, _ = strings.Cut(line, " ")
		}
	}
	require.NoError(t, sc.Err())
	require.Greater(t, len(services), 400)
	for _, s := range services {
		got, ok := c.Service(strings.ToUpper(s.prefix))
		if assert.True(t, ok, "service %s", s.prefix) {
			assert.Equal(t, s.name, got.Name)
			if s.firstAction != "" {
				assert.Equal(t, s.firstAction, got.Actions[strings.ToLower(s.firstAction)].Name, "service %s", s.prefix)
			}
		}
	}
	for _, missing := range []string{"", "a", "a2", "aaa", "ec", "ec2x", "zzzz", "~"} {
		_, ok := c.Service(missing)
		assert.False(t, ok, "%q is no service", missing)
	}
}
