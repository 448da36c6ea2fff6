package yamlfile

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A rename that fails part-way is undone: every file keeps its old
// content (the ones renamed get their originals back), and no temporary
// file stays behind.
func TestWriteFilesInterrupted(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml"), filepath.Join(dir, "c.yaml")
	os.WriteFile(a, []byte("old a\n"), 0o640)
	os.WriteFile(b, []byte("old b\n"), 0o644)
	inode := func(p string) uint64 {
		st, err := os.Stat(p)
		if err != nil {
			return 0
		}
		return st.Sys().(*syscall.Stat_t).Ino
	}
	aIno := inode(a)
	calls := 0
	rename = func(from, to string) error {
		calls++
		if calls == 3 {
			return errors.New("disk on fire")
		}
		return os.Rename(from, to)
	}
	defer func() { rename = os.Rename }()
	err := WriteFiles([]Staged{
		{Path: a, Data: []byte("new a\n"), Mode: 0o644},
		{Path: c, Data: []byte("new c\n"), Mode: 0o644},
		{Path: b, Data: []byte("new b\n"), Mode: 0o644},
	})
	if err == nil || !strings.Contains(err.Error(), "the files written before it were put back") {
		t.Fatalf("got %v, want the error and that the others were put back", err)
	}
	if got, _ := os.ReadFile(a); string(got) != "old a\n" || inode(a) != aIno {
		t.Errorf("a = %q (inode %d, was %d), want its original back", got, inode(a), aIno)
	}
	if st, _ := os.Stat(a); st.Mode().Perm() != 0o640 {
		t.Errorf("a's mode %v, want 0640 as it was", st.Mode().Perm())
	}
	if _, err := os.Stat(c); !os.IsNotExist(err) {
		t.Errorf("c, new, is still there after the run failed: %v", err)
	}
	if got, _ := os.ReadFile(b); string(got) != "old b\n" {
		t.Errorf("b = %q, want the old content whole", got)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A file that cannot be Staged stops the run before any file is written.
func TestWriteFilesStagingFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := filepath.Join(dir, "a.yaml")
	os.WriteFile(a, []byte("old a\n"), 0o644)
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o644)
	err := WriteFiles([]Staged{{Path: a, Data: []byte("new a\n"), Mode: 0o600}, {Path: filepath.Join(blocker, "b.yaml"), Data: []byte("b"), Mode: 0o644}})
	if err == nil {
		t.Fatal("want an error")
	}
	if got, _ := os.ReadFile(a); string(got) != "old a\n" {
		t.Errorf("a was written: %q", got)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestWriteFilesKeepsMode(t *testing.T) {
	t.Parallel()
	a := filepath.Join(t.TempDir(), "a.yaml")
	if err := WriteFiles([]Staged{{Path: a, Data: []byte("x\n"), Mode: 0o600}}); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(a); st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v", st.Mode().Perm())
	}
}

// mkdev is Linux's device number of major and minor (small ones).
func mkdev(major, minor uint32) uint64 { return uint64(major)<<8 | uint64(minor) }

// mknod makes a device node or FIFO in a test's own folder (never /dev).
func mknod(t *testing.T, path string, mode uint32, major, minor uint32) {
	t.Helper()
	if err := syscall.Mknod(path, mode, int(mkdev(major, minor))); err != nil {
		t.Fatalf("mknod %s: %v (the tests need root to make device nodes)", path, err)
	}
}

// A device, FIFO or socket is never replaced by a regular file: a
// character device or FIFO is written into, one that cannot be opened
// for writing (a block device with no driver, a socket) is an error and
// stays as it was.
func TestWriteFilesIntoNonRegular(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	null := filepath.Join(dir, "null")
	mknod(t, null, syscall.S_IFCHR|0o666, 1, 3) // what /dev/null is
	nodriver := filepath.Join(dir, "block")
	mknod(t, nodriver, syscall.S_IFBLK|0o600, 240, 77) // a block device no driver serves
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	if err := WriteFiles([]Staged{{Path: null, Data: []byte("x: 1\n")}}); err != nil {
		t.Errorf("char device: %v", err)
	}
	read := make(chan string)
	go func() {
		b, _ := os.ReadFile(fifo) // blocks until the writer opens it
		read <- string(b)
	}()
	if err := WriteFiles([]Staged{{Path: fifo, Data: []byte("x: 1\n")}}); err != nil {
		t.Errorf("FIFO: %v", err)
	}
	select {
	case got := <-read:
		if got != "x: 1\n" {
			t.Errorf("FIFO's reader got %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Error("nothing was written into the FIFO")
	}
	for _, p := range []string{nodriver, sock} {
		if err := WriteFiles([]Staged{{Path: p, Data: []byte("x: 1\n")}}); err == nil {
			t.Errorf("%s: want an error", filepath.Base(p))
		} else if strings.Contains(err.Error(), ".tmp-") || strings.Contains(err.Error(), "inject-sidecars-out-") {
			t.Errorf("the error names a temporary file: %v", err)
		}
	}
	for p, want := range map[string]fs.FileMode{null: fs.ModeCharDevice | fs.ModeDevice, nodriver: fs.ModeDevice, fifo: fs.ModeNamedPipe, sock: fs.ModeSocket} {
		st, err := os.Lstat(p)
		if err != nil || st.Mode().Type() != want {
			t.Errorf("%s is now %v (%v), want %v", filepath.Base(p), st.Mode().Type(), err, want)
		}
	}
	if rdev := statT(t, null).Rdev; rdev != mkdev(1, 3) {
		t.Errorf("null's device number is now %x", rdev)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func statT(t *testing.T, p string) *syscall.Stat_t {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t)
}

// A new file gets the mode asked for less the umask, as open(2) gives it;
// one that is replaced keeps its mode, owner and group; a symlink is
// written through and its target keeps its mode.
func TestWriteFilesModes(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	newFile := filepath.Join(dir, "new.yaml")
	kept := filepath.Join(dir, "kept.yaml")
	os.WriteFile(kept, []byte("old\n"), 0o600)
	os.Chmod(kept, 0o640)
	if err := os.Chown(kept, 1234, 5678); err != nil {
		t.Fatalf("chown: %v (the tests run as root)", err)
	}
	target := filepath.Join(dir, "target.yaml")
	os.WriteFile(target, []byte("old\n"), 0o600)
	os.Chmod(target, 0o640)
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink("target.yaml", link); err != nil {
		t.Fatal(err)
	}
	err := WriteFiles([]Staged{
		{Path: newFile, Data: []byte("new\n"), Mode: 0o644},
		{Path: kept, Data: []byte("new\n"), Mode: 0o644},
		{Path: link, Data: []byte("new\n"), Mode: 0o644},
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]fs.FileMode{newFile: 0o600, kept: 0o640, target: 0o640} {
		if st, _ := os.Stat(p); st.Mode() != want {
			t.Errorf("%s: mode %v, want %v", filepath.Base(p), st.Mode(), want)
		}
	}
	if st := statT(t, kept); st.Uid != 1234 || st.Gid != 5678 {
		t.Errorf("kept.yaml: owner %d:%d, want 1234:5678", st.Uid, st.Gid)
	}
	if st, _ := os.Lstat(link); st.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link was replaced")
	}
	if got, _ := os.ReadFile(target); string(got) != "new\n" {
		t.Errorf("target = %q", got)
	}
}

// A folder as the destination is a one-line error that names no
// temporary file.
func TestWriteFilesFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	err := WriteFiles([]Staged{{Path: dir, Data: []byte("x\n")}})
	if err == nil {
		t.Fatal("want an error")
	}
	if msg := err.Error(); strings.Contains(msg, ".tmp-") || strings.Contains(msg, "\n") || !strings.Contains(msg, dir) {
		t.Errorf("message: %q", msg)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A symlink to nothing is neither written through (which would create a
// file wherever it points) nor replaced.
func TestWriteFilesDanglingLink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	link := filepath.Join(dir, "report.json")
	if err := os.Symlink(filepath.Join(dir, "elsewhere", "x.json"), link); err != nil {
		t.Fatal(err)
	}
	err := WriteFiles([]Staged{{Path: link, Data: []byte("{}\n")}})
	if err == nil || !strings.Contains(err.Error(), link+" is a symlink to a missing file") {
		t.Errorf("error: %v", err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link was replaced")
	}
	if _, err := os.Stat(filepath.Join(dir, "elsewhere")); err == nil {
		t.Errorf("a folder was made where the link points")
	}
}

// A run's files for one folder are staged in one staging folder inside
// it, which goes when the last of them is renamed or discarded.
func TestStagingFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var staged []*StagedFile
	for _, name := range []string{"a.yaml", "b.yaml", "c.yaml"} {
		s, err := Stage(filepath.Join(dir, name), StageOptions{Sync: true})
		if err != nil {
			t.Fatal(err)
		}
		s.WriteString(name + "\n")
		staged = append(staged, s)
	}
	folders, _ := filepath.Glob(filepath.Join(dir, ".inject-sidecars-*"))
	if len(folders) != 1 {
		t.Fatalf("staging folders = %v, want one", folders)
	}
	if st, err := os.Stat(folders[0]); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("staging folder mode = %v (%v), want 0700", st.Mode().Perm(), err)
	}
	if in, _ := os.ReadDir(folders[0]); len(in) != 3 {
		t.Errorf("staging folder holds %d files, want 3", len(in))
	}
	staged[2].Discard()
	if err := CommitAll(staged[:2]); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	for _, name := range []string{"a.yaml", "b.yaml"} {
		if got, _ := os.ReadFile(filepath.Join(dir, name)); string(got) != name+"\n" {
			t.Errorf("%s = %q", name, got)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "c.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the discarded c.yaml was written (%v)", err)
	}
}

// TestSyncAtCommit (serial: it swaps syncFile, checkFile and maxHeld):
// every file that replaces a user's file is synced (or, after its file
// system was written out, checked), through the descriptor it was
// written with, before any is renamed; past maxHeld open files, the rest
// are synced in the background as they are finished; a failed sync
// renames nothing.
func TestSyncAtCommit(t *testing.T) {
	root := t.TempDir()
	var paths []string
	for _, dir := range []string{"a", "b"} {
		os.Mkdir(filepath.Join(root, dir), 0o755)
		for _, name := range []string{"x.yaml", "y.yaml", "z.yaml"} {
			p := filepath.Join(root, dir, name)
			os.WriteFile(p, []byte("old\n"), 0o644)
			paths = append(paths, p)
		}
	}
	stageAll := func(text string) []*StagedFile {
		var files []*StagedFile
		for _, p := range paths {
			s, err := Stage(p, StageOptions{Sync: true})
			if err != nil {
				t.Fatal(err)
			}
			s.WriteString(text)
			if err := s.Finish(); err != nil {
				t.Fatal(err)
			}
			files = append(files, s)
		}
		return files
	}
	defer func(f, c func(*os.File) error, m int64) { syncFile, checkFile, maxHeld = f, c, m }(syncFile, checkFile, maxHeld)
	var mu sync.Mutex
	var synced []string
	renamedBefore := false
	syncFile = func(f *os.File) error {
		mu.Lock()
		defer mu.Unlock()
		synced = append(synced, f.Name())
		for _, p := range paths {
			if b, _ := os.ReadFile(p); string(b) == "new\n" {
				renamedBefore = true
			}
		}
		return f.Sync()
	}
	checkFile = syncFile
	for _, limit := range []int64{1024, 2} {
		maxHeld, synced, renamedBefore = limit, nil, false
		for _, p := range paths {
			os.WriteFile(p, []byte("old\n"), 0o644)
		}
		files := stageAll("new\n")
		var want []string
		for _, s := range files {
			want = append(want, s.tmp)
		}
		if err := CommitAll(files); err != nil {
			t.Fatal(err)
		}
		slices.Sort(synced)
		slices.Sort(want)
		if !slices.Equal(synced, want) || renamedBefore {
			t.Errorf("at most %d open: synced %v, want each staged file once, %v; renamed before: %v", limit, synced, want, renamedBefore)
		}
		if n := held.Load(); n != 0 {
			t.Errorf("%d files still held after the commit", n)
		}
	}

	maxHeld = 1024
	syncFile = func(*os.File) error { return syscall.EIO }
	checkFile = syncFile
	err := CommitAll(stageAll("newer\n"))
	if err == nil || !strings.Contains(err.Error(), "input/output error") {
		t.Errorf("a failed sync: %v, want the error", err)
	}
	for _, p := range paths {
		if b, _ := os.ReadFile(p); string(b) != "new\n" {
			t.Errorf("%s changed by a run whose sync failed: %q", p, b)
		}
	}
	if n := held.Load(); n != 0 {
		t.Errorf("%d files still held after a failed commit", n)
	}
}

// The removal of folders made for outputs, from an attack on it: each
// failed before its fix.

// DiscardAll removes every folder made for the files, whatever order the
// files come in: plain mode hands it its staged files in map order, so
// a file staged later (whose folder sits in one made for an earlier
// file) may come first.
func TestDiscardAllAnyOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	a, err := Stage(filepath.Join(out, "a", "x.yaml"), StageOptions{}) // makes out and out/a
	if err != nil {
		t.Fatal(err)
	}
	b, err := Stage(filepath.Join(out, "b", "y.yaml"), StageOptions{}) // makes out/b
	if err != nil {
		t.Fatal(err)
	}
	DiscardAll([]*StagedFile{b, a})
	if _, err := os.Lstat(out); !os.IsNotExist(err) {
		left, _ := filepath.Glob(filepath.Join(out, "*"))
		t.Errorf("%s left after DiscardAll (holding %v), want every folder made for the files removed", out, left)
	}
}

// A folder made for an output that something else has meanwhile
// replaced with a file or a symlink is not ours any more: removing the
// made folders must not unlink what stands at its path now.
func TestDiscardKeepsWhatReplacedAMadeFolder(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		replace func(path string) error
	}{
		{"a file", func(p string) error { return os.WriteFile(p, []byte("theirs\n"), 0o644) }},
		{"a symlink", func(p string) error { return os.Symlink(os.TempDir(), p) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			made := filepath.Join(dir, "new")
			s, err := Stage(filepath.Join(made, "x.yaml"), StageOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// Another process removes the folder (and the staging folder
			// in it) and puts its own thing at that path.
			if err := os.RemoveAll(made); err != nil {
				t.Fatal(err)
			}
			if err := tt.replace(made); err != nil {
				t.Fatal(err)
			}
			DiscardAll([]*StagedFile{s})
			if _, err := os.Lstat(made); err != nil {
				t.Errorf("%s, put there by someone else, was removed: %v", made, err)
			}
		})
	}
}

// WriteFiles (how --report is written) removes the folders it made when
// it fails, as a failed plain run does for -o.
func TestWriteFilesFailureRemovesMadeFolders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteFiles([]Staged{
		{Path: filepath.Join(dir, "new", "deeper", "a.json"), Data: []byte("{}\n")},
		{Path: filepath.Join(dir, "file", "b.json"), Data: []byte("{}\n")}, // a file on the path: fails
	})
	if err == nil {
		t.Fatal("WriteFiles succeeded with a file on an output's path")
	}
	if _, err := os.Lstat(filepath.Join(dir, "new")); !os.IsNotExist(err) {
		left, _ := filepath.Glob(filepath.Join(dir, "new", "*"))
		t.Errorf("new left after WriteFiles failed (holding %v), want the folders it made removed", left)
	}
}

// A write that fails names the file being written, never its temporary
// file (whose name means nothing to the user), and so does Finish after
// it; the first error sticks.
func TestStagedWriteErrorNamesTheTarget(t *testing.T) {
	t.Parallel()
	for _, write := range []func(s *StagedFile, b []byte) error{
		func(s *StagedFile, b []byte) error { _, err := s.Write(b); return err },
		func(s *StagedFile, b []byte) error { _, err := s.WriteString(string(b)); return err },
	} {
		path := filepath.Join(t.TempDir(), "out.yaml")
		s, err := Stage(path, StageOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s.f.Close() // the next write that reaches the file fails
		err = write(s, make([]byte, 256<<10))
		finished := s.Finish()
		for _, err := range []error{err, finished} {
			if err == nil || !strings.Contains(err.Error(), "staging "+path+": ") || strings.Contains(err.Error(), ".tmp-") || strings.Count(err.Error(), "staging") != 1 {
				t.Errorf("error %v, want one naming %s and not its temporary file", err, path)
			}
		}
		s.Discard()
	}
}

// Under an output folder (-o DIR/), a symlink to a missing folder on the
// way to a file is a folder link, as Stage says without Within: the
// message must not call it a missing file.
func TestWithinDanglingFolderLinkSaysFolder(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	link := filepath.Join(root, "b")
	if err := os.Symlink("missing", link); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(link, "y.yaml")
	for _, o := range []StageOptions{{}, {Within: root}} {
		s, err := Stage(path, o)
		if err == nil {
			s.Discard()
			t.Fatalf("Within %q: staged through a dangling link", o.Within)
		}
		if want := link + " is a symlink to a missing folder"; !strings.Contains(err.Error(), want) {
			t.Errorf("Within %q: error %q, want %q", o.Within, err, want)
		}
	}
}

// A symlink loop is not a symlink to a missing file: under an output
// folder the message must not say so (without Within it says "too many
// levels of symbolic links").
func TestWithinLinkLoopNotMissing(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"b", filepath.Join("b", "y.yaml")} {
		root := t.TempDir()
		link := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(link), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Base(link), link); err != nil {
			t.Fatal(err)
		}
		s, err := Stage(filepath.Join(root, "b", "y.yaml"), StageOptions{Within: root})
		if err == nil {
			s.Discard()
			t.Fatalf("%s: staged through a link loop", name)
		}
		if strings.Contains(err.Error(), "missing") {
			t.Errorf("%s: error %q calls a link loop missing", name, err)
		}
	}
}

// A device or FIFO's text waits in the temporary folder, on another file
// system than the target's: a write error there (a full /tmp) must name
// that folder, not only the device ("staging /dev/null: no space left
// on device" sends the user to look at /dev/null). Before write errors
// named the target, it said "write /tmp/inject-sidecars-out-…".
func TestDeviceWriteErrorNamesTheTempFolder(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	s, err := Stage(os.DevNull, StageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Discard()
	s.f.Close() // the next write that reaches the file fails
	_, err = s.Write(make([]byte, 256<<10))
	if err == nil || !strings.Contains(err.Error(), tmp) {
		t.Errorf("error %v, want it to name the temporary folder %s, where the text waits", err, tmp)
	}
}
