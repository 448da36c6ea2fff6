package yamlfile

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// syncers is how many files are synced at once: the file system's
// journal commits concurrent syncs together, so a thousand files synced
// side by side cost a few journal commits, not a thousand.
const syncers = 32

// syncAll syncs the staged files that asked for it, side by side. A file
// was closed when it was finished: it is opened again to be synced.
func syncAll(files []*StagedFile) error {
	var paths []string
	for _, s := range files {
		if s.sync && !s.into {
			paths = append(paths, s.tmp)
		}
	}
	errs := parallel(paths, func(p string) error {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	})
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("staging %s: %v", targetOf(files, paths[i]), UnwrapPathError(err))
		}
	}
	return nil
}

// targetOf names the file a temporary file stands for.
func targetOf(files []*StagedFile, tmp string) string {
	for _, s := range files {
		if s.tmp == tmp {
			return s.Path
		}
	}
	return tmp
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
	parallel(dirs, func(d string) error {
		f, err := os.Open(d)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Sync()
	})
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
