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

// syncSlots bounds the background syncs in flight.
var syncSlots = make(chan struct{}, syncers)

// syncInBackground syncs and closes f on a goroutine of its own, once
// one of syncSlots is free: the run goes on writing the next file while
// the file system writes this one.
func syncInBackground(f *os.File) <-chan error {
	done := make(chan error, 1)
	syncSlots <- struct{}{}
	go func() {
		err := f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		<-syncSlots
		done <- err
	}()
	return done
}

// syncAll waits for the staged files' background syncs.
func syncAll(files []*StagedFile) error {
	var first error
	for _, s := range files {
		if s.synced == nil {
			continue
		}
		if err := <-s.synced; err != nil && first == nil {
			first = fmt.Errorf("staging %s: %v", s.Path, UnwrapPathError(err))
		}
		s.synced = nil
	}
	return first
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
