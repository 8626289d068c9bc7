package docker

import "testing"

func TestHasEnvNeedsEveryWantedVariable(t *testing.T) {
	want := map[string]string{"KEY": "id", "SECRET": "s"}
	have := []string{"PATH=/bin", "KEY=id", "SECRET=s"}
	if !hasEnv(have, want) {
		t.Fatal("every variable is there")
	}
	if hasEnv(have[:2], want) || hasEnv([]string{"KEY=id", "SECRET=old"}, want) {
		t.Fatal("a missing or changed variable must not count")
	}
	if !hasEnv(nil, nil) {
		t.Fatal("no wanted variables: any container matches")
	}
}
