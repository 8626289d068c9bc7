// Package scenarios holds netlab's built-in scenario files, embedded in the binary and usable by
// name ('netlab up flannel-basic'). Each file is a teaching example: read it as documentation.
package scenarios

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.yaml
var files embed.FS

// Default is the scenario netlab uses when none is named.
const Default = "flannel-basic"

// Names returns the built-in scenario names, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var out []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Lookup returns the file of a built-in scenario.
func Lookup(name string) ([]byte, bool) {
	data, err := files.ReadFile(name + ".yaml")
	return data, err == nil
}
