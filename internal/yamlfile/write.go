package yamlfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Files are written the way GNU coreutils and git write them:
//
//   - a new file is created with the mode asked for (0666 unless said
//     otherwise) less the umask, by the kernel, as open(2) does;
//   - a file that is replaced keeps its mode, owner and group (as root,
//     the staged file is chowned back to them);
//   - a symlink to a file is written through: its target changes, the
//     link stays; a symlink to nothing is refused;
//   - a device, FIFO or socket is never replaced: a device or FIFO is
//     opened and written into, as a shell's ">" does, and a socket, which
//     no open(2) can write, is an error;
//   - with StageOptions.Within, nothing is written through a symlink that
//     leads out of that folder.
//
// Everything is staged first, and CommitAll puts the files in place only
// when every one is staged. The files staged for one folder go into one
// private staging folder inside it (same file system, so a rename moves
// each into place; in the temporary folder for a device or FIFO):
// creating files in a small fresh folder costs a fraction of creating
// them among thousands of others. Files that must reach the disk are
// synced together at commit, not one after the other as they are
// written, and each folder they were renamed into is synced once.

// StageOptions say how a file is staged.
type StageOptions struct {
	// Mode is a new file's mode, before the umask; 0 means 0666.
	Mode fs.FileMode
	// Sync syncs the file to disk before it is renamed (crash safety
	// when it replaces a user's file).
	Sync bool
	// Within, when set, is a folder the file must stay in: a symlink on
	// the way that leads out of it is refused.
	Within string
}

// StagedFile is a file being written: into a temporary file, which
// CommitAll renames over the target (or, for a device or FIFO, copies
// into it), all or nothing.
type StagedFile struct {
	// Path is where the file goes: the real path of a regular file
	// (symlinks resolved), the path as given for a device or FIFO.
	Path string
	f    *os.File
	tmp  string
	w    *bufio.Writer
	sync bool
	into bool      // Path is a device or FIFO: written into, not renamed over
	dir  *stageDir // the staging folder tmp is in; nil for a device or FIFO
	// toSync is the file, kept open after Finish for CommitAll to sync;
	// synced says how its background sync ended, when it had one.
	toSync *os.File
	synced <-chan error
	keep   fs.FileInfo // the file replaced, whose mode and owner are kept
	done   bool        // in place
	err    error
	// made are the folders made for the file, outermost first: a failed
	// run removes them again.
	made []string
}

// Stage starts writing a file at path.
func Stage(path string, o StageOptions) (*StagedFile, error) {
	if o.Within != "" {
		if err := inside(path, o.Within); err != nil {
			return nil, err
		}
	}
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return nil, fmt.Errorf("%s is a folder: give a file path", path)
	case err == nil && st.Mode()&fs.ModeSocket != 0:
		return nil, fmt.Errorf("%s is a socket: it cannot be written to; give a file path", path)
	case err == nil && !st.Mode().IsRegular():
		// A device or FIFO: the text waits in the temporary folder.
		return newStaged(path, "", "inject-sidecars-out-*", 0o600, StagedFile{Path: path, into: true})
	case err == nil:
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			return nil, fmt.Errorf("writing %s: %v", path, UnwrapPathError(err))
		}
		// Staged private (0600); Finish gives it the replaced file's
		// mode and owner.
		return newStaged(real, filepath.Dir(real), filepath.Base(real)+".tmp-*", 0o600, StagedFile{Path: real, keep: st, sync: o.Sync})
	case errors.Is(err, fs.ErrNotExist):
		if lst, lerr := os.Lstat(path); lerr == nil && lst.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s is a symlink to a missing file: it is not written through; remove the link or write elsewhere", path)
		}
		made, err := makeFolders(filepath.Dir(path))
		if err != nil {
			if link := danglingLink(filepath.Dir(path)); link != "" {
				return nil, fmt.Errorf("%s is a symlink to a missing folder: it is not written through; remove the link or write elsewhere", link)
			}
			return nil, fmt.Errorf("writing %s: %v", path, UnwrapPathError(err))
		}
		mode := o.Mode.Perm()
		if mode == 0 {
			mode = 0o666
		}
		s, err := newStaged(path, filepath.Dir(path), filepath.Base(path)+".tmp-*", mode, StagedFile{Path: path, sync: o.Sync, made: made})
		if err != nil {
			removeFolders(made)
		}
		return s, err
	default:
		return nil, fmt.Errorf("writing %s: %v", path, UnwrapPathError(err))
	}
}

// danglingLink is the first of dir and the folders above it that is a
// symlink to nothing, or "".
func danglingLink(dir string) string {
	for p := dir; ; p = filepath.Dir(p) {
		if st, err := os.Lstat(p); err == nil && st.Mode()&fs.ModeSymlink != 0 {
			if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
				return p
			}
		}
		if filepath.Dir(p) == p {
			return ""
		}
	}
}

// newStaged creates the temporary file: in the staging folder of dir,
// or in the temporary folder when dir is "".
func newStaged(path, dir, pattern string, perm fs.FileMode, s StagedFile) (*StagedFile, error) {
	var f *os.File
	var err error
	if dir == "" {
		f, err = createTemp(dir, pattern, perm)
	} else {
		f, s.dir, err = createStaged(dir, pattern, perm)
	}
	if err != nil {
		return nil, fmt.Errorf("staging %s: %v", path, UnwrapPathError(err))
	}
	s.f, s.tmp, s.w = f, f.Name(), writers.Get().(*bufio.Writer)
	s.w.Reset(f)
	return &s, nil
}

// writers are the staged files' buffers: a run writes one file at a
// time, so a few buffers serve thousands of files (a new 64 KiB buffer
// for each was a tenth of a 2,000-file run's time, cleared and
// collected).
var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 1<<16) }}

// letGo returns the file's buffer to the pool.
func (s *StagedFile) letGo() {
	s.w.Reset(nil)
	writers.Put(s.w)
	s.w, s.f = nil, nil
}

// inside refuses a path under root that a symlink (the file itself, or
// a folder on the way) leads out of root.
func inside(path, root string) error {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil // no folder yet: nothing in it leads anywhere
	}
	p := path
	for {
		if _, err := os.Lstat(p); err == nil || p == root || filepath.Dir(p) == p {
			break
		}
		p = filepath.Dir(p)
	}
	real, err := filepath.EvalSymlinks(p)
	switch {
	case errors.Is(err, fs.ErrNotExist) && p == path:
		return fmt.Errorf("%s is a symlink to a missing file: it is not written through; remove the link or write elsewhere", p)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s is a symlink to a missing folder: it is not written through; remove the link or write elsewhere", p)
	case err != nil:
		return fmt.Errorf("writing %s: %v", path, UnwrapPathError(err))
	}
	if real != realRoot && !strings.HasPrefix(real, realRoot+string(filepath.Separator)) {
		return fmt.Errorf("%s is a symlink to %s, out of the output folder %s: it is not written through; remove the link or write elsewhere", p, real, root)
	}
	return nil
}

// Write writes to the staged file; the first error sticks.
func (s *StagedFile) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.w == nil {
		s.err = fmt.Errorf("staging %s: written after it was finished", s.Path)
		return 0, s.err
	}
	n, err := s.w.Write(p)
	if err != nil {
		return n, s.fail(err)
	}
	return n, nil
}

// fail keeps the first error of a staged file, named by its target: the
// temporary file's name means nothing to the user.
//
// A device's or FIFO's text waits in the temporary folder, on another
// file system than the target's: that folder is named too.
func (s *StagedFile) fail(err error) error {
	if s.into {
		s.err = fmt.Errorf("staging %s in the temporary folder %s: %v", s.Path, filepath.Dir(s.tmp), UnwrapPathError(err))
	} else {
		s.err = fmt.Errorf("staging %s: %v", s.Path, UnwrapPathError(err))
	}
	return s.err
}

// WriteString writes to the staged file; the first error sticks.
func (s *StagedFile) WriteString(text string) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.w == nil {
		s.err = fmt.Errorf("staging %s: written after it was finished", s.Path)
		return 0, s.err
	}
	n, err := s.w.WriteString(text)
	if err != nil {
		return n, s.fail(err)
	}
	return n, nil
}

// Finish flushes and closes the temporary file: a run writing many files
// holds one open at a time. A file to sync stays open for CommitAll to
// sync (holdForSync).
func (s *StagedFile) Finish() error {
	if s.w == nil {
		return s.err
	}
	var err error
	if s.err == nil {
		err = s.w.Flush()
	}
	if err == nil && s.err == nil && s.keep != nil {
		err = keepOwnerAndMode(s.f, s.keep)
	}
	if err == nil && s.err == nil && s.sync {
		s.holdForSync()
	} else if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.letGo()
	if err != nil && s.err == nil {
		s.fail(err)
	}
	return s.err
}

// keepOwnerAndMode gives f the owner, group and mode of the file it
// replaces. The owner first: chown clears the setuid and setgid bits.
// Only root may give a file away; anyone else keeps the group where they
// belong to it and becomes the owner, as cp and sed -i do.
func keepOwnerAndMode(f *os.File, st fs.FileInfo) error {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		if err := f.Chown(int(sys.Uid), int(sys.Gid)); err != nil {
			if os.Geteuid() == 0 {
				return err
			}
			_ = f.Chown(-1, int(sys.Gid)) // not ours to give: the owner becomes us
		}
	}
	return f.Chmod(st.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky))
}

// Discard removes the temporary file.
func (s *StagedFile) Discard() {
	if s.f != nil {
		s.f.Close()
		s.letGo()
	}
	if s.toSync != nil {
		s.toSync.Close()
		s.toSync = nil
		held.Add(-1)
	}
	if s.synced != nil {
		<-s.synced // its file is closed once the sync ends
		s.synced = nil
	}
	if !s.done {
		RemoveTemp(s.tmp)
		s.done = true
		release(s.dir)
	}
}

// DiscardAll removes the temporary files, then the folders made for
// them, innermost first: a failed run leaves no folder it made behind.
// A folder that holds anything else by then stays.
func DiscardAll(files []*StagedFile) {
	var made []string
	for _, s := range files {
		s.Discard()
		made = append(made, s.made...)
		s.made = nil
	}
	removeFolders(made)
}

// rename is os.Rename; tests swap it to fail part-way.
var rename = os.Rename

// CommitAll finishes every staged file, syncs the ones asked for (all at
// once), then renames each over its target (a crash leaves each target
// either old or new, never partial) and syncs each folder renamed into,
// then writes into the devices and FIFOs. On error, every temporary file
// is removed.
func CommitAll(files []*StagedFile) error {
	fail := func(err error) error {
		DiscardAll(files)
		return err
	}
	for _, s := range files {
		if err := s.Finish(); err != nil {
			return fail(err)
		}
	}
	if err := syncAll(files); err != nil {
		return fail(err)
	}
	if err := renameAll(files); err != nil {
		return fail(err)
	}
	syncFolders(files)
	for _, s := range files {
		keepFolders(s.made)
	}
	for _, s := range files {
		if s.into {
			if err := s.writeInto(); err != nil {
				return fail(err)
			}
		}
	}
	return nil
}

// renameAll renames the staged files over their targets, holding the
// temporary files' lock: a signal waits until they are all in place.
// All or nothing: each file about to be replaced is first kept under a
// second name in its staging folder (a hard link, or a copy where links
// cannot be made), so that a rename that fails half-way (a file made
// immutable, a file bind-mounted over) is undone: the files renamed
// before it get their originals back, and new files go again.
func renameAll(files []*StagedFile) error {
	temps.Lock()
	defer temps.Unlock()
	if temps.closed {
		return ErrInterrupted
	}
	kept, err := keepOriginals(files)
	defer dropKept(kept)
	if err != nil {
		return err
	}
	for i, s := range files {
		if s.into {
			continue
		}
		if err := rename(s.tmp, s.Path); err != nil {
			undoRenames(files[:i], kept)
			return fmt.Errorf("writing %s: %v (the files written before it were put back)", s.Path, UnwrapPathError(err))
		}
	}
	for _, s := range files {
		if !s.into {
			s.done = true
			forget(s.tmp)
		}
	}
	dropKept(kept) // before the staging folders go, which must be empty
	for _, s := range files {
		if !s.into {
			releaseLocked(s.dir)
		}
	}
	return nil
}

// keepOriginals keeps each file about to be replaced under a second name
// in its staging folder, by index in files ("" for none).
func keepOriginals(files []*StagedFile) ([]string, error) {
	kept := make([]string, len(files))
	for i, s := range files {
		if s.into || s.dir == nil {
			continue
		}
		st, err := os.Lstat(s.Path)
		if err != nil || !st.Mode().IsRegular() {
			continue // nothing there to lose
		}
		k := filepath.Join(s.dir.path, filepath.Base(s.Path)+".orig-"+strconv.Itoa(i))
		temps.paths[k] = true
		kept[i] = k
		if err := os.Link(s.Path, k); err != nil {
			if err := copyKeeping(s.Path, k, st); err != nil {
				return kept, fmt.Errorf("writing %s: keeping the original until every file is in place: %v", s.Path, UnwrapPathError(err))
			}
		}
	}
	return kept, nil
}

// copyKeeping copies a file, with its mode and owner.
func copyKeeping(from, to string, st fs.FileInfo) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = keepOwnerAndMode(out, st)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// undoRenames gives the files renamed so far their originals back, or
// removes them where they are new.
func undoRenames(done []*StagedFile, kept []string) {
	for i, s := range done {
		switch {
		case s.into:
		case kept[i] != "":
			if os.Rename(kept[i], s.Path) == nil {
				forget(kept[i])
				kept[i] = ""
			}
		default:
			os.Remove(s.Path)
		}
	}
}

// dropKept removes the originals kept.
func dropKept(kept []string) {
	for i, k := range kept {
		if k != "" {
			os.Remove(k)
			forget(k)
			kept[i] = ""
		}
	}
}

// writeInto copies the staged text into a device or FIFO, as a shell's
// ">" would (a FIFO waits for its reader).
func (s *StagedFile) writeInto() error {
	src, err := os.Open(s.tmp)
	if err != nil {
		return fmt.Errorf("writing %s: %v", s.Path, UnwrapPathError(err))
	}
	defer src.Close()
	dst, err := os.OpenFile(s.Path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return fmt.Errorf("writing %s: %v", s.Path, UnwrapPathError(err))
	}
	_, err = io.Copy(dst, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %v", s.Path, UnwrapPathError(err))
	}
	s.done = true
	RemoveTemp(s.tmp)
	return nil
}

// Staged is a file to write whole.
type Staged struct {
	Path string
	Data []byte
	// Mode is a new file's mode, before the umask; a file replaced keeps
	// its own.
	Mode fs.FileMode
}

// WriteFiles writes every file atomically and all or nothing, as far as a
// file system allows (Stage, CommitAll), synced to disk.
func WriteFiles(files []Staged) error {
	staged := make([]*StagedFile, 0, len(files))
	for _, f := range files {
		s, err := Stage(f.Path, StageOptions{Mode: f.Mode, Sync: true})
		if err == nil {
			_, err = s.Write(f.Data)
			staged = append(staged, s)
		}
		if err != nil {
			DiscardAll(staged)
			return err
		}
	}
	return CommitAll(staged)
}
