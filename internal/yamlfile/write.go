package yamlfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Staged is a file to write.
type Staged struct {
	Path string
	Data []byte
	Mode fs.FileMode
	tmp  string
}

// rename is os.Rename; tests swap it to fail part-way.
var rename = os.Rename

// WriteFiles writes every file atomically and all or nothing, as far as a
// file system allows: each goes to a temporary file in its own folder,
// synced to disk, and only when all are staged are they renamed over the
// targets. A crash leaves each target either old or new, never partial.
func WriteFiles(files []Staged) (err error) {
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
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			return err
		}
		tmp, err := os.CreateTemp(filepath.Dir(f.Path), "."+filepath.Base(f.Path)+".tmp-*")
		if err != nil {
			return fmt.Errorf("staging %s: %v", f.Path, UnwrapPathError(err))
		}
		f.tmp = tmp.Name()
		_, err = tmp.Write(f.Data)
		if err == nil {
			err = tmp.Chmod(f.Mode)
		}
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("staging %s: %v", f.Path, UnwrapPathError(err))
		}
	}
	for i := range files {
		f := &files[i]
		if err := rename(f.tmp, f.Path); err != nil {
			return fmt.Errorf("writing %s: %v", f.Path, UnwrapPathError(err))
		}
		f.tmp = ""
	}
	return nil
}
