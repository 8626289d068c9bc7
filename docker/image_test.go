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
