package docker

import (
	"slices"
	"strings"
	"testing"
)

// The engine answers a load with JSON messages: the references it loaded (by tag, or by ID for an
// untagged image) in stream lines, or an error that ends it.
func TestLoadedImages(t *testing.T) {
	got, err := loadedImages(strings.NewReader(`{"stream":"Loaded image: registry.k8s.io/pause:3.10\n"}
{"stream":"Loaded image: quay.io/metallb/speaker:v0.16.1\nLoaded image ID: sha256:03b2\n"}
{"stream":"\n"}`))
	if err != nil || !slices.Equal(got, []string{"registry.k8s.io/pause:3.10", "quay.io/metallb/speaker:v0.16.1", "sha256:03b2"}) {
		t.Fatalf("got %v, %v", got, err)
	}
	got, err = loadedImages(strings.NewReader(`{"stream":"Loaded image: a:1\n"}{"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}`))
	if err == nil || !strings.Contains(err.Error(), "unexpected EOF") || !slices.Equal(got, []string{"a:1"}) {
		t.Fatalf("an error message ends the load: %v, %v", got, err)
	}
	if _, err := loadedImages(strings.NewReader(`<html>`)); err == nil {
		t.Fatal("an answer that is not JSON is an error")
	}
}

// One image is the same across Docker's two image stores (the classic one names it by its config's
// digest, the containerd one by its manifest's) by its layers and creation; a differing layer, a
// differing instant, or layers on one side only are another image.
func TestImageInfoSame(t *testing.T) {
	classic := ImageInfo{ID: "sha256:config", Layers: []string{"sha256:l1", "sha256:l2"}, Created: "2026-12-03T03:25:22.950100792Z"}
	ctrd := ImageInfo{ID: "sha256:manifest", Layers: []string{"sha256:l1", "sha256:l2"}, Created: "2026-12-03T03:25:22.950100792Z", Size: 2}
	if !classic.Same(ctrd) || !ctrd.Same(classic) || !classic.Same(ImageInfo{ID: "sha256:config"}) {
		t.Fatal("the same image across the stores, or by ID, is not Same")
	}
	for name, o := range map[string]ImageInfo{
		"another layer":      {ID: "sha256:m", Layers: []string{"sha256:l1", "sha256:l3"}, Created: classic.Created},
		"another instant":    {ID: "sha256:m", Layers: classic.Layers, Created: "2026-12-03T03:25:23Z"},
		"no layers recorded": {ID: "sha256:m"},
		"a layer fewer":      {ID: "sha256:m", Layers: classic.Layers[:1], Created: classic.Created},
	} {
		if classic.Same(o) || o.Same(classic) {
			t.Errorf("%s: Same", name)
		}
	}
	if (ImageInfo{}).Same(ImageInfo{}) {
		t.Error("two unknown images are Same")
	}
}
