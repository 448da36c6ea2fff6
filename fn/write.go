package fn

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// staged is a file to write.
type staged struct {
	path string
	data []byte
	mode fs.FileMode
	tmp  string
}

// rename is os.Rename; tests swap it to fail part-way.
var rename = os.Rename

// writeFiles writes every file atomically and all or nothing, as far as a
// file system allows: each goes to a temporary file in its own folder,
// synced to disk, and only when all are staged are they renamed over the
// targets. A crash leaves each target either old or new, never partial.
func writeFiles(files []staged) (err error) {
	defer func() {
		if err != nil {
			for _, f := range files {
				if f.tmp != "" {
					os.Remove(f.tmp)
				}
			}
		}
	}()
	for i := range files {
		f := &files[i]
		if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
			return err
		}
		tmp, err := os.CreateTemp(filepath.Dir(f.path), "."+filepath.Base(f.path)+".tmp-*")
		if err != nil {
			return fmt.Errorf("staging %s: %v", f.path, unwrapPathError(err))
		}
		f.tmp = tmp.Name()
		_, err = tmp.Write(f.data)
		if err == nil {
			err = tmp.Chmod(f.mode)
		}
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("staging %s: %v", f.path, unwrapPathError(err))
		}
	}
	for i := range files {
		f := &files[i]
		if err := rename(f.tmp, f.path); err != nil {
			return fmt.Errorf("writing %s: %v", f.path, unwrapPathError(err))
		}
		f.tmp = ""
	}
	return nil
}
