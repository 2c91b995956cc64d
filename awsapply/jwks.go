package awsapply

import "github.com/stsrender/stsrender/render"

// jwksDiffs describes a keys.json change key by key, by kid. ok is false
// when either side is not a key set.
func jwksDiffs(current, desired []byte) (diffs []FieldDiff, ok bool) {
	changes, err := render.CompareKeySets(current, desired)
	if err != nil {
		return nil, false
	}
	for _, c := range changes {
		diffs = append(diffs, FieldDiff{Field: "keys.json kid " + c.Kid + " (" + c.Change + ")", Current: c.Current, Desired: c.Desired})
	}
	if len(diffs) == 0 {
		// Same keys, other bytes (order, spacing): say so rather than
		// show the documents.
		diffs = append(diffs, FieldDiff{Field: "keys.json", Current: "the same keys, written differently", Desired: "as rendered"})
	}
	return diffs, true
}
