package yamlfile

import (
	"errors"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// temps are the temporary files a run has made and not yet renamed or
// removed: stdin's spool, stdout's spool, staged outputs. RemoveTemps
// removes them all when a signal stops the run; the lock makes sure no
// file is made, or renamed into place, half-way through that.
var temps = struct {
	sync.Mutex
	paths  map[string]bool
	dirs   map[string]*stageDir // staging folders, by the folder they are in
	made   map[string]bool      // folders made for outputs not yet in place
	closed bool
	n      uint64 // names the files in staging folders
}{paths: map[string]bool{}, dirs: map[string]*stageDir{}, made: map[string]bool{}}

// stageDir is a staging folder: a private folder (0700, a random name
// starting with a dot, so a folder input skips it) inside the folder
// whose files are staged in it, removed once the last of them is renamed
// into place or removed.
type stageDir struct {
	path string
	refs int
}

// ErrInterrupted is returned for a temporary file asked for after
// RemoveTemps.
var ErrInterrupted = errors.New("interrupted")

// RemoveTemps removes every temporary file the run has made and refuses
// new ones: main calls it on SIGINT or SIGTERM, just before it exits.
func RemoveTemps() {
	temps.Lock()
	defer temps.Unlock()
	temps.closed = true
	for p := range temps.paths {
		os.Remove(p)
		delete(temps.paths, p)
	}
	for dir, d := range temps.dirs {
		os.Remove(d.path)
		delete(temps.dirs, dir)
	}
	removeFoldersLocked(slices.Collect(maps.Keys(temps.made)))
}

// makeFolders makes dir and the folders above it that are missing, as
// os.MkdirAll does, and returns the ones it made, outermost first. A
// folder counts as made only when its own mkdir made it: one that
// another process makes meanwhile is theirs.
func makeFolders(dir string) ([]string, error) {
	var missing []string
	for p := dir; ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) || filepath.Dir(p) == p {
			break
		}
		missing = append(missing, p)
	}
	temps.Lock()
	defer temps.Unlock()
	if temps.closed {
		return nil, ErrInterrupted
	}
	var made []string
	for _, p := range slices.Backward(missing) {
		if os.Mkdir(p, 0o777) == nil {
			made = append(made, p)
			temps.made[p] = true
		}
	}
	// What could not be made, MkdirAll says why (a file on the path, a
	// folder without write permission).
	if err := os.MkdirAll(dir, 0o777); err != nil {
		removeFoldersLocked(made)
		return nil, err
	}
	return made, nil
}

// removeFolders removes folders makeFolders made, if they are empty.
func removeFolders(made []string) {
	temps.Lock()
	defer temps.Unlock()
	removeFoldersLocked(made)
}

// removeFoldersLocked removes the folders innermost first (a longer
// path cannot hold a shorter one), each only if it is still an empty
// folder: rmdir, never unlink, so whatever another process put at its
// path stays.
func removeFoldersLocked(made []string) {
	for _, dir := range slices.SortedFunc(slices.Values(made), func(a, b string) int { return len(b) - len(a) }) {
		syscall.Rmdir(dir)
		delete(temps.made, dir)
	}
}

// keepFolders says the folders made for a file stay: it is in place.
func keepFolders(made []string) {
	temps.Lock()
	defer temps.Unlock()
	for _, dir := range made {
		delete(temps.made, dir)
	}
}

// createStaged makes a new file named after pattern in dir's staging
// folder, made if needed, with perm less the umask.
func createStaged(dir, pattern string, perm fs.FileMode) (*os.File, *stageDir, error) {
	temps.Lock()
	defer temps.Unlock()
	if temps.closed {
		return nil, nil, ErrInterrupted
	}
	d := temps.dirs[dir]
	if d == nil {
		path, err := os.MkdirTemp(dir, ".inject-sidecars-")
		if err != nil {
			return nil, nil, err
		}
		d = &stageDir{path: path}
		temps.dirs[dir] = d
	}
	temps.n++
	prefix, suffix, _ := strings.Cut(pattern, "*")
	name := filepath.Join(d.path, prefix+strconv.FormatUint(temps.n, 10)+suffix)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		releaseLocked(d)
		return nil, nil, err
	}
	d.refs++
	temps.paths[name] = true
	return f, d, nil
}

// release lets a staged file's staging folder go: the last file out
// removes it.
func release(d *stageDir) {
	temps.Lock()
	defer temps.Unlock()
	releaseLocked(d)
}

// releaseLocked is release for a caller that holds the lock.
func releaseLocked(d *stageDir) {
	if d == nil {
		return
	}
	if d.refs > 0 {
		d.refs--
	}
	if d.refs == 0 {
		os.Remove(d.path)
		if temps.dirs[filepath.Dir(d.path)] == d {
			delete(temps.dirs, filepath.Dir(d.path))
		}
	}
}

// CreateTemp makes a temporary file, as os.CreateTemp does (mode 0600),
// that RemoveTemps will remove.
func CreateTemp(dir, pattern string) (*os.File, error) {
	return createTemp(dir, pattern, 0o600)
}

// createTemp makes a new file named after pattern (its "*" replaced by a
// random number) with perm, from which the kernel takes the umask, as it
// does for any file created.
func createTemp(dir, pattern string, perm fs.FileMode) (*os.File, error) {
	temps.Lock()
	defer temps.Unlock()
	if temps.closed {
		return nil, ErrInterrupted
	}
	if dir == "" {
		dir = os.TempDir()
	}
	prefix, suffix, _ := strings.Cut(pattern, "*")
	for range 10000 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(uint64(rand.Uint32()), 10)+suffix)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err == nil {
			temps.paths[name] = true
		}
		return f, err
	}
	return nil, &fs.PathError{Op: "createtemp", Path: filepath.Join(dir, pattern), Err: fs.ErrExist}
}

// RemoveTemp removes one temporary file.
func RemoveTemp(path string) {
	temps.Lock()
	defer temps.Unlock()
	os.Remove(path)
	delete(temps.paths, path)
}

// forget lets a temporary file go once it is renamed into place; the
// caller holds the lock.
func forget(path string) { delete(temps.paths, path) }
