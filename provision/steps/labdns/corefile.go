package labdns

import (
	"fmt"
	"strings"
)

// The marks netlab leaves in a Corefile it made hermetic: Restore undoes exactly what Hermetic did.
const (
	blockBegin = "# netlab:hermetic-dns:begin"
	blockEnd   = "# netlab:hermetic-dns:end"
	// kept prefixes a line Hermetic took out of service (kept as a comment), or follows the new
	// server block key with the old one.
	kept = "#netlab-hermetic# "
)

// Hermetic rewrites kubeadm's Corefile so that CoreDNS answers only what the lab owns:
//   - the main server block (".:53") is keyed to the zones of its kubernetes plugin
//     (cluster.local, in-addr.arpa, ip6.arpa), so it answers only those;
//   - its forward (to the node's resolver) is taken out, and so is the kubernetes plugin's
//     fallthrough for reverse zones: a reverse name the cluster does not know gets NXDOMAIN there;
//   - a new ".:53" block answers every other name NXDOMAIN (plugin template) at once.
//
// Other server blocks (netlab's cross-cluster zones) are untouched. What was taken out stays in
// the file as comments, so that Restore brings the file back byte for byte. A file already made
// hermetic is returned as it is.
func Hermetic(corefile string) (string, error) {
	if strings.Contains(corefile, blockBegin) {
		return corefile, nil
	}
	lines := strings.Split(corefile, "\n")
	start := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == ".:53 {" {
			start = i
			break
		}
	}
	if start < 0 {
		return "", fmt.Errorf("the Corefile has no '.:53 {' server block (it is not kubeadm's); set 'dns: {upstream: true}' to leave it as it is")
	}
	end := closingLine(lines, start)
	if end < 0 {
		return "", fmt.Errorf("the Corefile's '.:53' server block does not close")
	}
	var zones []string
	for i := start + 1; i < end; i++ {
		f := strings.Fields(lines[i])
		switch {
		case len(f) > 1 && f[0] == "kubernetes":
			for _, z := range f[1:] {
				if z == "{" {
					break
				}
				zones = append(zones, z+":53")
			}
		case len(f) > 1 && f[0] == "forward":
			last := i
			if f[len(f)-1] == "{" {
				if last = closingLine(lines, i); last < 0 {
					return "", fmt.Errorf("the forward block of the Corefile's '.:53' server block does not close")
				}
			}
			for j := i; j <= last; j++ {
				lines[j] = keep(lines[j])
			}
			i = last
		case len(f) > 1 && f[0] == "fallthrough":
			lines[i] = keep(lines[i])
		}
	}
	if len(zones) == 0 {
		return "", fmt.Errorf("the Corefile's '.:53' server block has no kubernetes plugin; set 'dns: {upstream: true}' to leave it as it is")
	}
	indent := lines[start][:len(lines[start])-len(strings.TrimLeft(lines[start], " \t"))]
	lines[start] = indent + strings.Join(zones, " ") + " { " + kept + strings.TrimSpace(lines[start])
	out := strings.TrimRight(strings.Join(lines, "\n"), "\n") + "\n"
	return out + blockBegin + "\n.:53 {\n    errors\n    template ANY ANY {\n        rcode NXDOMAIN\n    }\n}\n" + blockEnd + "\n", nil
}

// Restore undoes Hermetic: the file as it was before (a file without netlab's marks is returned
// as it is).
func Restore(corefile string) string {
	if i := strings.Index(corefile, blockBegin); i >= 0 {
		if j := strings.Index(corefile, blockEnd); j > i {
			corefile = corefile[:i] + corefile[j+len(blockEnd)+1:]
		}
	}
	lines := strings.Split(corefile, "\n")
	for i, l := range lines {
		trimmed := strings.TrimLeft(l, " \t")
		switch {
		case strings.HasPrefix(trimmed, kept):
			lines[i] = l[:len(l)-len(trimmed)] + strings.TrimPrefix(trimmed, kept)
		case strings.Contains(l, "{ "+kept):
			lines[i] = l[:len(l)-len(trimmed)] + l[strings.Index(l, "{ "+kept)+len("{ "+kept):]
		}
	}
	return strings.Join(lines, "\n")
}

// keep takes a line out of service as a comment, keeping its indentation.
func keep(l string) string {
	trimmed := strings.TrimLeft(l, " \t")
	return l[:len(l)-len(trimmed)] + kept + trimmed
}

// closingLine is the index of the line that closes the block opened on line open ('{' at its end),
// or -1.
func closingLine(lines []string, open int) int {
	depth := 0
	for i := open; i < len(lines); i++ {
		code, _, _ := strings.Cut(lines[i], "#")
		depth += strings.Count(code, "{") - strings.Count(code, "}")
		if depth == 0 {
			return i
		}
	}
	return -1
}
