package awsapply

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// jwksDiffs describes a keys.json change key by key, by kid: a key added,
// removed or changed. A reviewer needs to see which signing key a cluster
// stops or starts trusting, not a page of RSA modulus. ok is false when
// either side is not a key set.
func jwksDiffs(current, desired []byte) (diffs []FieldDiff, ok bool) {
	cur, err1 := parseKeySet(current)
	want, err2 := parseKeySet(desired)
	if err1 != nil || err2 != nil {
		return nil, false
	}
	sorted := slices.Sorted(maps.Keys(cur))
	for kid := range want {
		if _, ok := cur[kid]; !ok {
			sorted = append(sorted, kid)
		}
	}
	slices.Sort(sorted)
	for _, kid := range sorted {
		c, inCur := cur[kid]
		w, inWant := want[kid]
		switch {
		case !inCur:
			diffs = append(diffs, FieldDiff{Field: "keys.json kid " + kid + " (added)", Desired: w})
		case !inWant:
			diffs = append(diffs, FieldDiff{Field: "keys.json kid " + kid + " (removed)", Current: c})
		case c != w:
			diffs = append(diffs, FieldDiff{Field: "keys.json kid " + kid + " (changed)", Current: c, Desired: w})
		}
	}
	if len(diffs) == 0 {
		// Same keys, other bytes (order, spacing): say so rather than
		// show the documents.
		diffs = append(diffs, FieldDiff{Field: "keys.json", Current: "the same keys, written differently", Desired: "as rendered"})
	}
	return diffs, true
}

// parseKeySet maps each kid to a one-line description of its key, with a
// fingerprint of the modulus so that a changed key under the same kid shows.
func parseKeySet(data []byte) (map[string]string, error) {
	var set struct {
		Keys []struct {
			Kid, Kty, Alg, Use, N, E string
		} `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for i, k := range set.Keys {
		kid := k.Kid
		if kid == "" {
			kid = fmt.Sprintf("(none, key %d)", i+1)
		}
		bits := 0
		if n, err := base64.RawURLEncoding.DecodeString(k.N); err == nil {
			bits = len(n) * 8
		}
		short := k.N
		if len(short) > 12 {
			short = short[:12] + "…"
		}
		out[kid] = fmt.Sprintf("%s %d-bit, alg %s, use %s, n %s", k.Kty, bits, k.Alg, k.Use, short)
	}
	return out, nil
}
