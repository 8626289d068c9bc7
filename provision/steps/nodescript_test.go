package steps

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// PersistScript keeps the script where the node's unit finds it and runs it now; running it
// again replaces the kept copy and runs it again. (systemd is not PID 1 here, so the unit part is
// skipped as it is wherever systemd does not run; the e2e tests restart a kind node to see it.)
func TestPersistScriptKeepsAndRuns(t *testing.T) {
	root := t.TempDir()
	out := root + "/ran"
	script := "set -e\necho \"ran '$0'\" >> " + out + "\n"
	wrapped := PersistScript(root, "10-test", script)
	for i := 1; i <= 2; i++ {
		if b, err := exec.Command("sh", "-c", wrapped).CombinedOutput(); err != nil {
			t.Fatalf("run %d: %v: %s", i, err, b)
		}
	}
	kept, err := os.ReadFile(root + "/etc/netlab/node.d/10-test.sh")
	if err != nil {
		t.Fatal(err)
	}
	if string(kept) != script {
		t.Errorf("kept script:\n%q\nwant\n%q", kept, script)
	}
	ran, _ := os.ReadFile(out)
	if want := strings.Repeat("ran '"+root+"/etc/netlab/node.d/10-test.sh'\n", 2); string(ran) != want {
		t.Errorf("runs: %q, want %q", ran, want)
	}
	if _, err := os.Stat(root + "/etc/netlab/node.d/10-test.sh.tmp"); err == nil {
		t.Error("the temporary copy is left")
	}
	// A failing script fails the wrapper (up reports the node and the output).
	if err := exec.Command("sh", "-c", PersistScript(root, "20-fail", "set -e\nfalse\n")).Run(); err == nil {
		t.Error("a failing script must fail the wrapper")
	}
}
