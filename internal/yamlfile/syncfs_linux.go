package yamlfile

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFileSystem writes every file of d's file system to disk. Since
// Linux 5.8 it also reports a write error of the file system's files
// since d was opened: staging folders are opened when they are made.
var syncFileSystem = func(d *os.File) error {
	return unix.Syncfs(int(d.Fd()))
}
