package labstate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Lock takes the lab's lock for a command that changes it ('up', 'down'), so that two of them never
// work on one lab at once: a second one fails at once, naming the process that holds the lock. The
// lock is an advisory flock on $StateDir/labs/<lab>.lock, beside the lab's directory (which 'down'
// removes); the kernel drops it when the holder exits, however it exits.
func Lock(lab, command string) (unlock func(), err error) {
	dir := filepath.Join(StateDir(), "labs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lab %s: the lock's directory: %w", lab, err)
	}
	path := filepath.Join(dir, lab+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lab %s: open its lock %s: %w", lab, path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("lab %s is being changed by another netlab (%s); wait for it to end, or stop it, then run this again", lab, orUnknown(strings.TrimSpace(string(holder))))
		}
		return nil, fmt.Errorf("lab %s: lock %s: %w", lab, path, err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(command+", pid "+strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		_ = f.Truncate(0)
		_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
	}, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "a process that has not said which"
	}
	return s
}
