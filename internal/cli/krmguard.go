package cli

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"time"

	"github.com/spf13/cobra"
)

// resourceListHead matches the start of a ResourceList as kustomize and
// kpt write it (YAML) or as JSON.
var resourceListHead = regexp.MustCompile(`(?m)^kind:\s*ResourceList\s*$|"kind"\s*:\s*"ResourceList"`)

// stdinPeekWait bounds how long a command waits for the first bytes of a
// pipe: kustomize writes the whole ResourceList as it starts the function,
// so it is there at once, while a CI runner's idle pipe never answers.
const stdinPeekWait = 250 * time.Millisecond

// stdinPeekBytes is how much of standard input is looked at.
const stdinPeekBytes = 4096

// refuseWhenRunAsFunction stops a command started the way kustomize starts
// a KRM function: with a ResourceList on standard input. The function
// annotation's exec args are Git content, and `args: [apply, --yes]` would
// otherwise run apply inside kustomize build, with the renderer's AWS
// credentials and no one asked.
func refuseWhenRunAsFunction(cmd *cobra.Command, in io.Reader) error {
	f, ok := in.(*os.File)
	if !ok || isTerminal(f) {
		return nil
	}
	head := peekStdin(f)
	if !resourceListHead.Match(head) {
		return nil
	}
	return fmt.Errorf("%s was started with a ResourceList on standard input, as kustomize starts a KRM function: the function annotation's exec args (Git content) named a command. Commands run only when a person or a CI job types them; as a function, run stsrender with no arguments (remove args from the annotation)", cmd.CommandPath())
}

// peekStdin reads what arrives on f within stdinPeekWait, up to
// stdinPeekBytes. Commands do not read standard input otherwise (confirm
// reads a terminal only), so what is read here is not needed again.
func peekStdin(f *os.File) []byte {
	info, err := f.Stat()
	if err != nil {
		return nil
	}
	if info.Mode().IsRegular() {
		head := make([]byte, stdinPeekBytes)
		n, _ := io.ReadFull(f, head)
		return head[:n]
	}
	if info.Mode()&(os.ModeNamedPipe|os.ModeSocket) == 0 {
		return nil
	}
	chunks := make(chan []byte)
	go func() {
		defer close(chunks)
		for read := 0; read < stdinPeekBytes; {
			buf := make([]byte, stdinPeekBytes-read)
			n, err := f.Read(buf)
			if n > 0 {
				chunks <- buf[:n]
				read += n
			}
			if err != nil {
				return
			}
		}
	}()
	var head []byte
	deadline := time.After(stdinPeekWait)
	for {
		select {
		case chunk, open := <-chunks:
			if !open {
				return head
			}
			if head = append(head, chunk...); resourceListHead.Match(head) {
				return head
			}
		case <-deadline:
			return head
		}
	}
}
