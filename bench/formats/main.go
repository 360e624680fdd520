// Command formats-bench measures antidote's in-process readers of legacy
// Office, OpenDocument, RTF and Outlook files on the quality corpus
// (internal/extract/testdata/corpus) against the Debian tools a newsroom
// would otherwise run on the same files, in the same run: catdoc, xls2csv,
// catppt, unrtf, odt2txt and msgconvert. Each file is read -rounds times by
// each side; the peer pays a process start per file, as it would in use.
//
//	go run ./bench/formats [-rounds 20]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"antidote/internal/extract"
)

// peers are the reference extractors, by extension.
var peers = map[string][]string{
	".doc": {"catdoc", "-d", "utf-8"},
	".xls": {"xls2csv", "-d", "utf-8"},
	".ppt": {"catppt", "-d", "utf-8"},
	".rtf": {"unrtf", "--text"},
	".odt": {"odt2txt", "--encoding=UTF-8"},
	".ods": {"odt2txt", "--encoding=UTF-8"},
	".odp": {"odt2txt", "--encoding=UTF-8"},
}

type discard struct{}

func (discard) Begin(*extract.Doc) (bool, error) { return true, nil }
func (discard) End(*extract.Doc) error           { return nil }

func main() {
	rounds := flag.Int("rounds", 20, "times each file is read by each side")
	dir := flag.String("corpus", "internal/extract/testdata/corpus", "corpus directory")
	flag.Parse()
	files, err := filepath.Glob(filepath.Join(*dir, "*"))
	if err != nil {
		log.Fatal(err)
	}
	byExt := map[string][]string{}
	for _, f := range files {
		if _, ok := peers[filepath.Ext(f)]; ok {
			byExt[filepath.Ext(f)] = append(byExt[filepath.Ext(f)], f)
		}
	}
	exts := make([]string, 0, len(byExt))
	for e := range byExt {
		exts = append(exts, e)
	}
	sort.Strings(exts)
	fmt.Println("| format | files | KB | antidote docs/s | peer | peer docs/s | ratio (peer time / antidote time) |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, ext := range exts {
		var size int64
		datas := map[string][]byte{}
		for _, f := range byExt[ext] {
			b, err := os.ReadFile(f)
			if err != nil {
				log.Fatal(err)
			}
			datas[f], size = b, size+int64(len(b))
		}
		start := time.Now()
		for range *rounds {
			for name, b := range datas {
				if err := extract.Walk(context.Background(), filepath.Base(name), bytes.NewReader(b), int64(len(b)), extract.Options{}, discard{}); err != nil {
					log.Fatal(err)
				}
			}
		}
		ours := time.Since(start)
		peer := peers[ext]
		start = time.Now()
		for range *rounds {
			for name := range datas {
				cmd := exec.Command(peer[0], append(peer[1:], name)...)
				cmd.Stdout, cmd.Stderr = nil, nil
				_ = cmd.Run() // some fail on some files; their time counts
			}
		}
		theirs := time.Since(start)
		n := float64(*rounds * len(datas))
		fmt.Printf("| %s | %d | %d | %.0f | %s | %.0f | %.1f |\n", ext, len(datas), size>>10,
			n/ours.Seconds(), strings.Join(peer, " "), n/theirs.Seconds(), theirs.Seconds()/ours.Seconds())
	}
}
