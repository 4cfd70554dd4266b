package dbtest

import (
	"log"
	"os"
)

// Runner is a T for programs outside `go test` (the benchmarks under cmd/):
// it logs, keeps cleanups until Close, and on Fatalf runs them and exits 1.
type Runner struct{ cleanups []func() }

var _ T = (*Runner)(nil)

func (r *Runner) Helper()                         {}
func (r *Runner) Logf(format string, args ...any) { log.Printf(format, args...) }
func (r *Runner) Cleanup(f func())                { r.cleanups = append(r.cleanups, f) }

// Fatalf runs the cleanups, logs and exits 1.
func (r *Runner) Fatalf(format string, args ...any) {
	r.Close()
	log.Printf(format, args...)
	os.Exit(1)
}

// Close runs the cleanups registered so far, newest first.
func (r *Runner) Close() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	r.cleanups = nil
}
