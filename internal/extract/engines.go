package extract

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"antidote/internal/extract/sandbox"
)

// Engine defaults, used where an EngineConfig field is zero.
const (
	DefaultPDFMemoryBytes = 1 << 30
	DefaultPDFTimeout     = 5 * time.Minute
)

// EngineConfig bounds the engines.
type EngineConfig struct {
	// PDFMemoryBytes caps the WebAssembly memory PDFium runs in, per
	// document.
	PDFMemoryBytes int64
	// PDFTimeout is the wall-clock limit on reading one PDF (OCR of its
	// pages excluded, which the sandbox bounds per page).
	PDFTimeout time.Duration
	// Sandbox confines the external programs (Tesseract).
	Sandbox sandbox.Config

	// compiled, when set, shares PDFium's compiled code between engines
	// (tests start many).
	compiled wazero.CompilationCache
}

// Engines holds what extraction runs beside Go code: PDFium compiled to
// WebAssembly, run in-process under wazero with no file system, a memory
// cap and a deadline, and the sandbox for external programs. PDFium is
// compiled on first use (seconds), so one Engines should serve a whole
// ingest run. It is safe for concurrent use; Close releases it.
type Engines struct {
	cfg     EngineConfig
	sandbox *sandbox.Runner

	mu       sync.Mutex
	pool     pdfium.Pool
	err      error
	closed   bool
	ocrLangs map[string]bool // languages Tesseract has, once checked
	ocrErr   error
}

// NewEngines returns engines under cfg; nothing is started yet.
func NewEngines(cfg EngineConfig) *Engines {
	if cfg.PDFMemoryBytes <= 0 {
		cfg.PDFMemoryBytes = DefaultPDFMemoryBytes
	}
	if cfg.PDFTimeout <= 0 {
		cfg.PDFTimeout = DefaultPDFTimeout
	}
	return &Engines{cfg: cfg, sandbox: sandbox.New(cfg.Sandbox)}
}

// Close stops PDFium.
func (e *Engines) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	if e.pool == nil {
		return nil
	}
	err := e.pool.Close()
	e.pool = nil
	return err
}

// StartPDF compiles PDFium now rather than at the first PDF.
func (e *Engines) StartPDF(ctx context.Context) error {
	inst, err := e.pdfium(ctx)
	if err != nil {
		return err
	}
	return inst.Close()
}

// errEngineClosed is returned after Close.
var errEngineClosed = errors.New("extraction engines closed")

// pdfium returns a fresh PDFium instance, its own WebAssembly memory, for
// one document; the caller closes (or kills) it.
func (e *Engines) pdfium(ctx context.Context) (pdfium.Pdfium, error) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, errEngineClosed
	}
	if e.pool == nil && e.err == nil {
		e.pool, e.err = e.startPDFium(ctx)
	}
	pool, err := e.pool, e.err
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return pool.GetInstanceWithContext(ctx)
}

func (e *Engines) startPDFium(ctx context.Context) (pdfium.Pool, error) {
	pages := uint32(min(e.cfg.PDFMemoryBytes>>16, 65536))
	rc := wazero.NewRuntimeConfig().
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling).
		WithMemoryLimitPages(pages).
		WithCloseOnContextDone(true)
	if e.cfg.compiled != nil {
		rc = rc.WithCompilationCache(e.cfg.compiled)
	}
	pool, err := webassembly.Init(webassembly.Config{
		Context:       context.WithoutCancel(ctx),
		MinIdle:       0,
		MaxIdle:       1,
		MaxTotal:      4,
		RuntimeConfig: rc,
		// No file system at all: the document comes in as bytes.
		FSConfig: wazero.NewFSConfig(),
		Stdout:   discard{},
		Stderr:   discard{},
	})
	if err != nil {
		return nil, fmt.Errorf("start PDF engine: %w", err)
	}
	return pool, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
