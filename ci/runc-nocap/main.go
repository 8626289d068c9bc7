// Command runc-nocap is an OCI runtime wrapper for hosts that withhold a capability from every
// process, as this project's CI VM withholds CAP_SYS_RESOURCE. runc fails to start any container
// that asks for a capability the host cannot grant ("unable to apply caps"), which breaks
// 'docker run --privileged' and so kind. The wrapper removes the withheld capabilities from the
// container's OCI spec (the bundle's config.json, for create and run) and from the process spec
// of 'runc exec' (--process FILE), then execs the real runc with the same arguments.
//
// ci/setup.d/20-docker.sh builds it and makes it dockerd's default runtime, only on hosts where the
// capability is missing. The capabilities to strip are read from the host: every capability
// missing from this process's bounding set (CapBnd in /proc/self/status).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// debianRunc is the runc the wrapper runs unless a file named runc stands beside the wrapper
// itself (a second engine's own runc, built from Go modules: see docs/notes/docker-28-29-research.md).
const debianRunc = "/usr/sbin/runc"

// realRunc is the runc beside this executable, or Debian's.
func realRunc() string {
	if self, err := os.Executable(); err == nil {
		if beside := filepath.Join(filepath.Dir(self), "runc"); beside != self {
			if st, err := os.Stat(beside); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
				return beside
			}
		}
	}
	return debianRunc
}

// capNames are the Linux capability numbers 0–40.
var capNames = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
	"CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
	"CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

// withheld returns the names of the capabilities missing from the bounding set.
func withheld() map[string]bool {
	out := map[string]bool{}
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return out
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "CapBnd:"); ok {
			bnd, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return out
			}
			for i, name := range capNames {
				if bnd&(1<<uint(i)) == 0 {
					out[name] = true
				}
			}
		}
	}
	return out
}

// strip removes the capabilities from every set of a capabilities object.
func strip(caps map[string]any, drop map[string]bool) {
	for _, set := range []string{"bounding", "effective", "inheritable", "permitted", "ambient"} {
		list, ok := caps[set].([]any)
		if !ok {
			continue
		}
		kept := list[:0]
		for _, c := range list {
			if s, _ := c.(string); !drop[s] {
				kept = append(kept, c)
			}
		}
		caps[set] = kept
	}
}

// rewrite edits a JSON file in place; at names the path to the capabilities object.
func rewrite(path string, drop map[string]bool, at ...string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return err
	}
	obj := doc
	for _, k := range at {
		next, ok := obj[k].(map[string]any)
		if !ok {
			return nil // no capabilities to edit
		}
		obj = next
	}
	strip(obj, drop)
	out, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o600)
}

func main() {
	args := os.Args[1:]
	drop := withheld()
	if len(drop) > 0 {
		for i := 0; i < len(args); i++ {
			a := args[i]
			var flag, val string
			if k, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(k, "-") {
				flag, val = k, v
			} else if i+1 < len(args) {
				flag, val = a, args[i+1]
			}
			var err error
			switch flag {
			case "--bundle", "-b":
				err = rewrite(val+"/config.json", drop, "process", "capabilities")
			case "--process", "-p":
				err = rewrite(val, drop, "capabilities")
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "runc-nocap: %v\n", err)
				os.Exit(1)
			}
		}
	}
	runc := realRunc()
	argv := append([]string{runc}, args...)
	if err := syscall.Exec(runc, argv, os.Environ()); err != nil {
		fmt.Fprintf(os.Stderr, "runc-nocap: exec %s: %v\n", runc, err)
		os.Exit(1)
	}
}
