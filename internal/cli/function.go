package cli

import (
	"context"

	"github.com/stsrender/stsrender/internal/krm"
)

// runFunction is the KRM function, with spec.apply applied in process.
func runFunction(ctx context.Context, s Streams) error {
	input, err := krm.ReadInput(s.In)
	if err != nil {
		return err
	}
	return krm.Run(ctx, input, s.Out, s.Err, applyDuringRender(s))
}
