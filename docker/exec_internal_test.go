package docker

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// What Exec feeds a command remembers a failure of its source (a broken image stream must fail the
// exec), and not the source's end.
func TestReadErrorsKeepsTheSourcesFailure(t *testing.T) {
	r := &readErrors{r: strings.NewReader("all of it")}
	if b, err := io.ReadAll(r); err != nil || string(b) != "all of it" || r.err != nil {
		t.Fatalf("a whole source: %q, %v, remembered %v", b, err, r.err)
	}
	broken := errors.New("connection reset")
	r = &readErrors{r: io.MultiReader(strings.NewReader("part"), iotestErr{broken})}
	if _, err := io.ReadAll(r); !errors.Is(err, broken) || !errors.Is(r.err, broken) {
		t.Fatalf("a broken source: %v, remembered %v", err, r.err)
	}
}

type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }
