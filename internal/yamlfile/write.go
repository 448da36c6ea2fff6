package yamlfile

import (
	"io/fs"
	"os"
)

// Staged is a file to write.
type Staged struct {
	Path string
	Data []byte
	Mode fs.FileMode
}

// rename is os.Rename; tests swap it to fail part-way.
var rename = os.Rename

// WriteFiles writes every file atomically and all or nothing, as far as a
// file system allows: each is staged as a temporary file in its own
// folder, synced to disk, and only when all are staged are they renamed
// over the targets (Stage, CommitAll). A crash leaves each target either
// old or new, never partial.
func WriteFiles(files []Staged) error {
	staged := make([]*StagedFile, 0, len(files))
	for _, f := range files {
		s, err := Stage(f.Path, f.Mode, true)
		if err == nil {
			_, err = s.WriteString(string(f.Data))
			staged = append(staged, s)
		}
		if err != nil {
			for _, s := range staged {
				s.Discard()
			}
			return err
		}
	}
	return CommitAll(staged)
}
