package extract

import (
	"sync"

	"github.com/tetratelabs/wazero"
)

// compiled is PDFium's machine code, compiled once for all the tests.
var compiled = sync.OnceValue(wazero.NewCompilationCache)

// testEngines are shared by the tests of this package.
var testEngines = sync.OnceValue(func() *Engines { return newTestEngines(EngineConfig{}) })

// newTestEngines returns engines that reuse the compiled PDFium.
func newTestEngines(cfg EngineConfig) *Engines {
	cfg.compiled = compiled()
	return NewEngines(cfg)
}

// withTestEngines gives opts the shared engines unless it has its own.
func withTestEngines(opts Options) Options {
	if opts.Engines == nil {
		opts.Engines = testEngines()
	}
	return opts
}
