package release

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stsrender/stsrender/fsguard"
)

// Limits bound what a release image may make stsrender read and keep. A
// registry or mirror is not trusted: a layer that inflates to gigabytes, a
// manifest of hundreds of MiB or an index that lists itself must end in a
// clear error, not an exhausted machine.
type Limits struct {
	// LayerBytes bounds the uncompressed size of one layer.
	LayerBytes int64
	// FileBytes bounds one payload file that is kept (a CredentialsRequest
	// or FeatureGate manifest, release-metadata).
	FileBytes int64
	// KeptBytes bounds all kept payload files together.
	KeptBytes int64
	// ManifestBytes bounds an image manifest, an index and index.json.
	ManifestBytes int64
	// IndexDepth bounds how deep image indexes may nest.
	IndexDepth int
	// Layers bounds the layers of one image.
	Layers int
}

// Timeouts bound each network step with a registry.
type Timeouts struct {
	// Connect bounds establishing a connection (TCP and TLS).
	Connect time.Duration
	// Response bounds the wait for a response's headers.
	Response time.Duration
	// Stall aborts a transfer that receives fewer than StallBytes in this
	// long: a registry that trickles a byte every few seconds is stalled.
	Stall time.Duration
}

// StallBytes is the least a transfer must receive per Timeouts.Stall.
const StallBytes = 1024

// DefaultLimits fit any real release with a wide margin: a payload layer is
// a few MiB uncompressed, its largest CredentialsRequest a few KiB, and a
// release manifest about 10 KiB.
func DefaultLimits() Limits {
	return Limits{
		LayerBytes:    4 << 30,
		FileBytes:     fsguard.MaxManifestFileBytes,
		KeptBytes:     64 << 20,
		ManifestBytes: fsguard.MaxLayoutIndexBytes,
		IndexDepth:    4,
		Layers:        1000,
	}
}

// DefaultTimeouts let a slow mirror through and still fail before Argo CD's
// own 90 s plugin timeout kills the render without a word.
func DefaultTimeouts() Timeouts {
	return Timeouts{Connect: 15 * time.Second, Response: 30 * time.Second, Stall: 30 * time.Second}
}

// Settings are the operator's limits and timeouts.
type Settings struct {
	Limits   Limits
	Timeouts Timeouts
	// InsecureRegistries may receive credentials over plain HTTP.
	InsecureRegistries []string
}

// Environment variables that override the defaults. They belong to the
// operator of the rendering environment; no config field can raise them.
const (
	EnvMaxLayerSize    = "STSRENDER_MAX_LAYER_SIZE"
	EnvMaxFileSize     = "STSRENDER_MAX_FILE_SIZE"
	EnvConnectTimeout  = "STSRENDER_REGISTRY_CONNECT_TIMEOUT"
	EnvResponseTimeout = "STSRENDER_REGISTRY_RESPONSE_TIMEOUT"
	EnvStallTimeout    = "STSRENDER_REGISTRY_STALL_TIMEOUT"
	EnvMaxLayers       = "STSRENDER_MAX_LAYERS"
	// EnvInsecureRegistries lists registries (host or host:port, comma
	// separated) that may receive credentials over plain HTTP.
	EnvInsecureRegistries = "STSRENDER_INSECURE_REGISTRIES"
)

// SettingsFromEnv reads the defaults and the operator's overrides.
func SettingsFromEnv(getenv func(string) string) (Settings, error) {
	s := Settings{Limits: DefaultLimits(), Timeouts: DefaultTimeouts()}
	sizes := []struct {
		env string
		dst *int64
	}{{EnvMaxLayerSize, &s.Limits.LayerBytes}, {EnvMaxFileSize, &s.Limits.FileBytes}}
	for _, v := range sizes {
		if raw := getenv(v.env); raw != "" {
			n, err := ParseSize(raw)
			if err != nil {
				return Settings{}, fmt.Errorf("%s: %w", v.env, err)
			}
			*v.dst = n
		}
	}
	if raw := getenv(EnvMaxLayers); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n <= 0 {
			return Settings{}, fmt.Errorf("%s: %q is not a positive whole number", EnvMaxLayers, raw)
		}
		s.Limits.Layers = n
	}
	durations := []struct {
		env string
		dst *time.Duration
	}{{EnvConnectTimeout, &s.Timeouts.Connect}, {EnvResponseTimeout, &s.Timeouts.Response}, {EnvStallTimeout, &s.Timeouts.Stall}}
	for _, v := range durations {
		if raw := getenv(v.env); raw != "" {
			d, err := time.ParseDuration(raw)
			if err != nil || d <= 0 {
				return Settings{}, fmt.Errorf("%s: %q is not a positive duration like 30s or 2m", v.env, raw)
			}
			*v.dst = d
		}
	}
	for _, h := range strings.Split(getenv(EnvInsecureRegistries), ",") {
		if h = strings.TrimSpace(h); h != "" {
			s.InsecureRegistries = append(s.InsecureRegistries, h)
		}
	}
	return s, nil
}

// ParseSize reads a byte count: a whole number with an optional KiB, MiB or
// GiB suffix.
func ParseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		factor int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"", 1}}
	for _, u := range units {
		if !strings.HasSuffix(s, u.suffix) {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), 10, 64)
		if err != nil || n <= 0 || n > (1<<62)/u.factor {
			break
		}
		return n * u.factor, nil
	}
	return 0, fmt.Errorf("%q is not a size like 512MiB, 4GiB or 1048576", s)
}

func (c *Client) limits() Limits {
	d, l := DefaultLimits(), c.Limits
	return Limits{
		LayerBytes:    orDefault(l.LayerBytes, d.LayerBytes),
		FileBytes:     orDefault(l.FileBytes, d.FileBytes),
		KeptBytes:     orDefault(l.KeptBytes, d.KeptBytes),
		ManifestBytes: orDefault(l.ManifestBytes, d.ManifestBytes),
		IndexDepth:    orDefault(l.IndexDepth, d.IndexDepth),
		Layers:        orDefault(l.Layers, d.Layers),
	}
}

func (c *Client) timeouts() Timeouts {
	d, t := DefaultTimeouts(), c.Timeouts
	return Timeouts{
		Connect:  orDefault(t.Connect, d.Connect),
		Response: orDefault(t.Response, d.Response),
		Stall:    orDefault(t.Stall, d.Stall),
	}
}

// orDefault treats zero and negative settings as unset.
func orDefault[T int | int64 | time.Duration](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

// LimitError reports an image part over a limit.
type LimitError struct {
	What  string // "layer sha256:… entry release-manifests/x.yaml", …
	Limit int64
	Env   string // the variable that raises it, if any
}

// CountLimitError reports a count over its limit.
type CountLimitError struct {
	What  string
	Limit int
	Env   string
}

func (e *CountLimitError) Error() string {
	return fmt.Sprintf("%s, over the limit of %d (a real release has a few dozen at most; if this image is genuine, the operator may raise %s)", e.What, e.Limit, e.Env)
}

func (e *LimitError) Error() string {
	msg := fmt.Sprintf("%s exceeds %s", e.What, HumanBytes(e.Limit))
	if e.Env != "" {
		msg += fmt.Sprintf(" (a real release stays far below; if this image is genuine, the operator may raise %s)", e.Env)
	}
	return msg
}
