// Command schemagen writes the JSON Schema of the STSCredentials config from
// the source of the current directory (api/v1alpha1): go generate runs it.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/stsrender/stsrender/api/schemagen"
	"github.com/stsrender/stsrender/api/v1alpha1"
)

func main() {
	out := flag.String("out", "stscredentials.schema.json", "file to write")
	flag.Parse()
	data, err := schemagen.Generate(".", "STSCredentials", v1alpha1.RequiredFields())
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}
