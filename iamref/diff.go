package iamref

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stsrender/stsrender/render"
)

// AnnotateDiff gives every added and removed action of a release diff its
// access level. An addition at Permissions management level is marked
// with "!", and so is a new wildcard, which grants whatever the service
// adds under it later.
func (c *Catalogue) AnnotateDiff(d *render.ReleaseDiff) {
	for i := range d.Roles {
		for j := range d.Roles[i].Statements {
			st := &d.Roles[i].Statements[j]
			added := st.Actions.Added
			removed := st.Actions.Removed
			if st.Change == render.ChangeAdded && len(added) == 0 {
				added = nil
			}
			levels := map[string]string{}
			for _, a := range added {
				levels[a] = c.level(a, true)
			}
			for _, a := range removed {
				levels[a] = c.level(a, false)
			}
			if len(levels) > 0 {
				st.AccessLevels = levels
			}
		}
	}
}

// level names an action's access level, or a wildcard's levels.
func (c *Catalogue) level(action string, added bool) string {
	prefix, name, ok := strings.Cut(action, ":")
	if !ok {
		return ""
	}
	svc, known := c.Service(prefix)
	if !known {
		return "unknown service"
	}
	matched := svc.Match(name)
	if len(matched) == 0 {
		return "unknown action"
	}
	if strings.ContainsAny(name, "*?") {
		var levels []string
		for _, a := range matched {
			if !slices.Contains(levels, a.Level) {
				levels = append(levels, a.Level)
			}
		}
		slices.Sort(levels)
		text := fmt.Sprintf("wildcard: %d actions, %s", len(matched), strings.Join(levels, "/"))
		if added {
			text += "!"
		}
		return text
	}
	text := matched[0].Level
	if added && text == LevelPermissionsManagement {
		text += "!"
	}
	return text
}
