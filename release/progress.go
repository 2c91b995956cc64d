package release

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"
)

// progressFunc receives the bytes read so far of a blob.
type progressFunc func(label string, done, total int64, final bool)

type progressReader struct {
	r      io.Reader
	label  string
	total  int64
	done   int64
	last   time.Time
	report progressFunc
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	if err != nil || time.Since(p.last) > 200*time.Millisecond {
		p.last = time.Now()
		p.report(p.label, p.done, p.total, err != nil)
	}
	return n, err
}

// TerminalProgress returns a progress printer for w when w is a terminal,
// and nil otherwise, so logs and CI output stay free of carriage returns.
func TerminalProgress(w io.Writer) progressFunc {
	// An escaping writer hands out its terminal: the progress line is ours
	// (a digest and byte counts) and needs \r.
	if raw, ok := w.(interface{ Raw() io.Writer }); ok {
		w = raw.Raw()
	}
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return func(label string, done, total int64, final bool) {
		short := label
		if len(short) > 19 {
			short = short[:19]
		}
		fmt.Fprintf(w, "\rpulling %s: %s / %s", short, HumanBytes(done), HumanBytes(total))
		if final {
			fmt.Fprintln(w)
		}
	}
}

// HumanBytes formats a byte count for people.
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}
