package extract

import (
	"sync"
)

// testEngines are shared by the tests of this package: PDFium is compiled
// once.
var testEngines = sync.OnceValue(func() *Engines { return NewEngines(EngineConfig{}) })

// withTestEngines gives opts the shared engines unless it has its own.
func withTestEngines(opts Options) Options {
	if opts.Engines == nil {
		opts.Engines = testEngines()
	}
	return opts
}
