package fn

import (
	"fmt"
	"strconv"
)

// EnvMaxStreamRequests is the operator's limit on CredentialsRequests in
// the resource stream (transformer mode). Like every limit it is read from
// the environment only; the function annotation cannot set it.
const EnvMaxStreamRequests = "STSRENDER_MAX_STREAM_REQUESTS"

// DefaultMaxStreamRequests is far above a cluster's application requests
// (tens) and renders in about a second.
const DefaultMaxStreamRequests = 10000

// StreamLimits bound what the resource stream may make the function do.
type StreamLimits struct {
	// StreamRequests is the most CredentialsRequests rendered from the
	// stream; zero means DefaultMaxStreamRequests.
	StreamRequests int
}

func (l StreamLimits) orDefaults() StreamLimits {
	if l.StreamRequests <= 0 {
		l.StreamRequests = DefaultMaxStreamRequests
	}
	return l
}

// StreamLimitsFromEnv reads the operator's overrides.
func StreamLimitsFromEnv(getenv func(string) string) (StreamLimits, error) {
	var l StreamLimits
	if raw := getenv(EnvMaxStreamRequests); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n <= 0 {
			return l, fmt.Errorf("%s: %q is not a positive whole number", EnvMaxStreamRequests, raw)
		}
		l.StreamRequests = n
	}
	return l.orDefaults(), nil
}
