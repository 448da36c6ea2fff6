package yamlfile

import (
	"os"

	"golang.org/x/sys/unix"
)

// writeOutFileSystem writes every file of f's file system to disk in one
// go (syncfs: the data, then one journal commit and one flush of the
// disk's cache), and reports whether it did.
func writeOutFileSystem(f *os.File) bool { return unix.Syncfs(int(f.Fd())) == nil }

// checkWritten waits for f's data to be written and reports a write
// error of it since f was opened (sync_file_range, which Linux answers
// from the same per-descriptor record as fsync), without the journal
// commit and cache flush an fsync of each file would cost once
// writeOutFileSystem has written them all.
func checkWritten(f *os.File) error {
	return unix.SyncFileRange(int(f.Fd()), 0, 0,
		unix.SYNC_FILE_RANGE_WAIT_BEFORE|unix.SYNC_FILE_RANGE_WRITE|unix.SYNC_FILE_RANGE_WAIT_AFTER)
}
