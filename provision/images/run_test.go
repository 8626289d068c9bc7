package images

import (
	"os/exec"
	"testing"
)

func runImage(t *testing.T, tag string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("docker", append([]string{"run", "--rm", tag}, args...)...).CombinedOutput()
	return string(out), err
}
