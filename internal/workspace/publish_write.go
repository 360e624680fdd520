package workspace

import (
	"fmt"
	"os"
	"path/filepath"
)

// checkReleaseDir refuses a directory that exists and is neither empty nor
// an earlier release: publishing replaces what is there.
func checkReleaseDir(dir string) error {
	dir = filepath.Clean(dir)
	fi, err := os.Stat(dir)
	if err != nil {
		return nil
	}
	if !fi.IsDir() {
		return invalid(fmt.Errorf("%s exists and is not a directory", dir))
	}
	if _, err := os.Stat(filepath.Join(dir, ".well-known", "csaf", "provider-metadata.json")); err != nil {
		if ents, _ := os.ReadDir(dir); len(ents) > 0 {
			return invalid(fmt.Errorf("%s exists and does not hold an antidote release: choose an empty or new directory", dir))
		}
	}
	return nil
}

// writeRelease writes the tree into a new directory beside dir and renames
// it into place, replacing an earlier release there (and nothing else), so
// that a reader of dir sees the old release or the new one, never half.
func writeRelease(dir string, files map[string][]byte) error {
	dir = filepath.Clean(dir)
	if err := checkReleaseDir(dir); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".new-")
	if err != nil {
		return fmt.Errorf("write release: %w", err)
	}
	for p, b := range files {
		full := filepath.Join(tmp, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("write release: %w", err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("write release: %w", err)
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("write release: %w", err)
	}
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("replace release: %w", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir) // the earlier release stays served
		}
		os.RemoveAll(tmp)
		return fmt.Errorf("write release: %w", err)
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}
