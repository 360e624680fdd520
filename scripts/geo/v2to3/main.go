// Command v2to3 converts a version 2 geo dataset (zstd-compressed columns)
// to version 3 (read in place) without fetching the sources again: it
// decodes the old file with the version 2 decoder and encodes the ranges
// it holds with geo.Encode. It is a one-off, removed with the version 2
// decoder.
//
//	go run ./scripts/geo/v2to3 OLD NEW
package main

import (
	"bytes"
	"fmt"
	"os"

	"antidote/internal/geo"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: v2to3 OLD NEW")
		os.Exit(2)
	}
	if err := convert(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "v2to3:", err)
		os.Exit(1)
	}
}

func convert(from, to string) error {
	f, err := os.Open(from)
	if err != nil {
		return err
	}
	defer f.Close()
	d, err := geo.ConvertV2(f)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := geo.Encode(&buf, d); err != nil {
		return err
	}
	return os.WriteFile(to, buf.Bytes(), 0o644)
}
