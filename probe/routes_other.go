//go:build !linux

package probe

// SetHostRoutes needs Linux.
func SetHostRoutes([]HostRoute) error { return errNotLinux }
