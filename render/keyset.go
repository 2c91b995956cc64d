package render

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// KeyChange is one key of a keys.json that differs between two documents,
// by kid.
type KeyChange struct {
	Kid     string `json:"kid"`
	Change  string `json:"change"` // added | removed | changed
	Current string `json:"current,omitempty"`
	Desired string `json:"desired,omitempty"`
}

// ServedKey is one entry of a keys.json as it is described to people.
type ServedKey struct {
	Kid, Kty, Alg, Use string
	Bits               int
	// Summary is a one-line description with a fingerprint of the modulus,
	// so that a key changed under the same kid shows.
	Summary string
	N, E    string
}

// ParseKeySet reads a keys.json into its keys by kid (a key without one is
// listed as "(none, key N)").
func ParseKeySet(data []byte) (map[string]ServedKey, error) {
	var set struct {
		Keys []struct {
			Kid, Kty, Alg, Use, N, E string
		} `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("not a JSON Web Key Set: %w", err)
	}
	out := map[string]ServedKey{}
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
		out[kid] = ServedKey{Kid: kid, Kty: k.Kty, Alg: k.Alg, Use: k.Use, Bits: bits, N: k.N, E: k.E,
			Summary: fmt.Sprintf("%s %d-bit, alg %s, use %s, n %s", k.Kty, bits, k.Alg, k.Use, short)}
	}
	return out, nil
}

// CompareKeySets lists, by kid, the keys added, removed or changed from
// current to desired. A reviewer needs to see which signing key a cluster
// stops or starts trusting, not a page of RSA modulus.
func CompareKeySets(current, desired []byte) ([]KeyChange, error) {
	cur, err := ParseKeySet(current)
	if err != nil {
		return nil, fmt.Errorf("current keys.json: %w", err)
	}
	want, err := ParseKeySet(desired)
	if err != nil {
		return nil, fmt.Errorf("desired keys.json: %w", err)
	}
	kids := slices.Sorted(maps.Keys(cur))
	for kid := range want {
		if _, ok := cur[kid]; !ok {
			kids = append(kids, kid)
		}
	}
	slices.Sort(kids)
	var out []KeyChange
	for _, kid := range kids {
		c, inCur := cur[kid]
		w, inWant := want[kid]
		switch {
		case !inCur:
			out = append(out, KeyChange{Kid: kid, Change: ChangeAdded, Desired: w.Summary})
		case !inWant:
			out = append(out, KeyChange{Kid: kid, Change: ChangeRemoved, Current: c.Summary})
		case c != w:
			out = append(out, KeyChange{Kid: kid, Change: ChangeChanged, Current: c.Summary, Desired: w.Summary})
		}
	}
	return out, nil
}
