package cli

import (
	"github.com/spf13/cobra"
	"github.com/stsrender/stsrender/api/v1alpha1"
)

func newSchemaCommand(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the STSCredentials config",
		Long: `schema prints the JSON Schema (draft 2020-12) of stsrender.dev/v1alpha1
STSCredentials, generated from the API types and their documentation. Editors
validate and complete configs with it: put
  # yaml-language-server: $schema=<path or URL of the printed schema>
on a config's first line.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := s.Out.Write(v1alpha1.Schema())
			return err
		},
	}
}
