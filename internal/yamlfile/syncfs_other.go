//go:build !linux

package yamlfile

import (
	"errors"
	"os"
)

// syncFileSystem is Linux's syncfs; elsewhere each file is synced on its
// own.
var syncFileSystem = func(*os.File) error { return errors.ErrUnsupported }
