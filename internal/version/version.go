// Package version reports netlab's version: set at link time with
// -ldflags "-X github.com/netlab-dev/netlab/internal/version.Version=v0.1.0", otherwise taken from the
// module's build information, otherwise "dev".
package version

import "runtime/debug"

// Version is netlab's version.
var Version = ""

// Get returns the version string.
func Get() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}
