package yamlfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// syncers is how many files are synced at once where each file is
// synced on its own: the file system's journal commits concurrent syncs
// together, so a thousand files synced side by side cost a few journal
// commits, not a thousand.
const syncers = 64

// syncData makes the staged files that replace a user's file durable
// before any is renamed. A file in a staging folder is written to disk
// by one sync of its whole file system (syncfs, where the system has
// it), once per file system, when every file is staged: a sync per file
// as each was written forced a journal commit for every few files, and
// made rewriting a folder of 2,000 files in place take half as long
// again. Any other file (or every file, on a system without syncfs) is
// synced on its own, syncers at a time.
func syncData(files []*StagedFile) error {
	var each []string
	seen := map[uint64]bool{}
	for _, s := range files {
		if !s.sync || s.done {
			continue
		}
		if s.dir != nil && s.dir.fd != nil {
			dev, ok := deviceOf(s.dir.fd)
			if ok && seen[dev] {
				continue
			}
			if err := syncFileSystem(s.dir.fd); err == nil {
				seen[dev] = ok
				continue
			} else if !errors.Is(err, errors.ErrUnsupported) {
				return fmt.Errorf("writing %s to disk: %v", s.Path, UnwrapPathError(err))
			}
		}
		each = append(each, s.tmp)
	}
	for i, err := range parallel(each, syncPath) {
		if err != nil {
			return fmt.Errorf("writing %s to disk: %v", each[i], UnwrapPathError(err))
		}
	}
	return nil
}

// syncPath syncs one file to disk.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// deviceOf is the file system (device) a file is on.
func deviceOf(f *os.File) (uint64, bool) {
	st, err := f.Stat()
	if err != nil {
		return 0, false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return uint64(sys.Dev), true
}

// syncFolders syncs, once each, the folders synced files were renamed
// into, so that the renames reach the disk too. The files are in place
// by then: a folder that cannot be synced (some file systems refuse)
// leaves its renames as durable as its file system makes them.
func syncFolders(files []*StagedFile) {
	seen := map[string]bool{}
	var dirs []string
	for _, s := range files {
		if d := filepath.Dir(s.Path); s.sync && !s.into && !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	parallel(dirs, syncPath)
}

// parallel runs do on every item, syncers at a time, and returns each
// item's error.
func parallel(items []string, do func(string) error) []error {
	errs := make([]error, len(items))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(syncers, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = do(items[i])
			}
		}()
	}
	for i := range items {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}
