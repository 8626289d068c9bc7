package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/provision/labimages"
)

// The images commands refuse bad usage before they reach the Docker engine: an unknown format or
// scenario, save without its file, and a bundle path that does not exist (naming the file and the
// way out).
func TestImagesUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"images", "list", "flannel-basic", "-o", "yaml"}, 2, `unknown output format "yaml"`},
		{[]string{"images", "list", "no-such-scenario"}, 2, "neither a file nor a built-in scenario"},
		{[]string{"images", "save", "flannel-basic"}, 2, "-o BUNDLE.tar"},
		{[]string{"images", "load"}, 2, "accepts 1 arg"},
		{[]string{"images", "load", filepath.Join(t.TempDir(), "gone.tar")}, 1, "gone.tar: stat"},
	} {
		code, _, errOut := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
	_, _, errOut := runCLI(t, "images", "load", "/nonexistent/b.tar")
	if !strings.Contains(errOut, "netlab images save SCENARIO -o FILE") {
		t.Errorf("a missing bundle says how to get one: %q", errOut)
	}
}

func TestNodeImageArgAndShortIDs(t *testing.T) {
	m := labimages.Manifest{Images: []labimages.Saved{{Ref: "netlab.local/node:v1.33.13", Role: labimages.Node}, {Ref: "a:1", Role: labimages.CNI}}}
	if got := nodeImageArg(m); got != " --node-image netlab.local/node:v1.33.13" {
		t.Fatalf("nodeImageArg = %q", got)
	}
	m.Images = append(m.Images, labimages.Saved{Ref: "other/node:1", Role: labimages.Node})
	if got := nodeImageArg(m); got != "" {
		t.Fatalf("two node images: no single --node-image, got %q", got)
	}
	if got := shortID("sha256:a672e0fda852cc42b2fe3acb"); got != "sha256:a672e0fda852" {
		t.Fatalf("shortID = %q", got)
	}
	if got := shortDigest("kindest/node@sha256:a1ed56cfb0e7b93589bdf97c"); got != "sha256:a1ed56cfb0e7" {
		t.Fatalf("shortDigest = %q", got)
	}
}
