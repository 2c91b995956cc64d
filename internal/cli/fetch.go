package cli

import (
	"github.com/stsrender/stsrender/pipeline"
)

func fetcher(s Streams) pipeline.FetchFunc { return pipeline.ImageFetcher(s.Err) }
