package probe

import "syscall"

var errConnRefused = syscall.ECONNREFUSED
