//go:build !linux

package egress

import "errors"

var errNotLinux = errors.New("the egress guard needs Linux nftables; set 'egress: allow' in the scenario")

// Install: see the Linux build.
func Install(Spec) (bool, error) { return false, errNotLinux }

// Remove: see the Linux build.
func Remove(string) (bool, error) { return false, nil }

// Read: see the Linux build.
func Read(string) (Counters, error) { return Counters{}, nil }

// CanInstall: see the Linux build.
func CanInstall() error { return errNotLinux }
