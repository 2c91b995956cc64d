package cli

import (
	"github.com/stsrender/stsrender/fn"
)

func fetcher(s Streams) fn.FetchFunc { return fn.ImageFetcher(s.Err) }
