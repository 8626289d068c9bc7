// Package lab records what netlab knows about a lab on this host: its plan, the scenario it came
// from, and the progress of 'netlab up', step by step. 'status' and 'down' find a lab through it,
// even after a crash half-way through 'up'.
//
// The state lives in $NETLAB_STATE_DIR/labs/<lab>/, by default $XDG_STATE_HOME/netlab/labs/<lab>
// (~/.local/state/netlab/labs/<lab>). Every write is atomic (a temporary file, then rename).
package labstate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/netlab-dev/netlab/plan"
)

// StateDir is the directory holding every lab's state.
func StateDir() string {
	if d := os.Getenv("NETLAB_STATE_DIR"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "netlab")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, ".local", "state", "netlab")
}

// Dir is one lab's directory.
func Dir(lab string) string { return filepath.Join(StateDir(), "labs", lab) }

// Step records one provisioning step.
type Step struct {
	Name     string    `json:"name"`
	Done     bool      `json:"done"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	Error    string    `json:"error,omitempty"`
}

// State is what is recorded about a lab.
type State struct {
	Lab      string     `json:"lab"`
	Scenario string     `json:"scenario"`
	Plan     *plan.Plan `json:"plan"`
	Created  time.Time  `json:"created"`
	Updated  time.Time  `json:"updated"`
	Steps    []Step     `json:"steps"`
	// Values learned while provisioning, for status and the checks.
	TGWEndpoint string `json:"tgwEndpoint,omitempty"`
	// TGWCredentials are the access key the lab's TGW API accepts (generated once per lab by 'netlab
	// up'; 'netlab tgw env LAB' prints them). The state file is readable by its owner only.
	TGWCredentials Credentials `json:"tgwCredentials,omitzero"`
	// NodeImages are the images each cluster's nodes were created from (cluster → reference): the
	// plan's node image, or the derived node image baked from it (package provision/nodeimage).
	NodeImages map[string]string `json:"nodeImages,omitempty"`
}

// Credentials are an AWS-style access key pair.
type Credentials struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}

// ErrNoLab means netlab has no record of the lab on this host.
var ErrNoLab = errors.New("no such lab")

// Load reads a lab's state.
func Load(lab string) (*State, error) {
	data, err := os.ReadFile(filepath.Join(Dir(lab), "state.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s (no state in %s; 'netlab status' lists the labs on this host)", ErrNoLab, lab, Dir(lab))
	}
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("lab %s: state file %s is damaged: %w", lab, filepath.Join(Dir(lab), "state.json"), err)
	}
	return &s, nil
}

// Save writes the state atomically.
func (s *State) Save() error {
	s.Updated = time.Now().UTC()
	if s.Created.IsZero() {
		s.Created = s.Updated
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return WriteFile(s.Lab, "state.json", data)
}

// WriteFile writes a file in the lab's directory atomically.
func WriteFile(lab, name string, data []byte) error {
	dir := Dir(lab)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		_ = os.Remove(tmp.Name()) // best effort: the write error is the one to report
		return err
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name))
}

// ReadFile reads a file of the lab's directory.
func ReadFile(lab, name string) ([]byte, error) { return os.ReadFile(filepath.Join(Dir(lab), name)) }

// Begin marks a step as started and saves.
func (s *State) Begin(name string) error {
	st := s.step(name)
	st.Started, st.Finished, st.Done, st.Error = time.Now().UTC(), time.Time{}, false, ""
	return s.Save()
}

// End marks a step as finished (err nil) or failed, and saves.
func (s *State) End(name string, err error) error {
	st := s.step(name)
	st.Finished = time.Now().UTC()
	st.Done = err == nil
	if err != nil {
		st.Error = err.Error()
	}
	return s.Save()
}

// Done reports whether a step has finished successfully.
func (s *State) Done(name string) bool {
	for _, st := range s.Steps {
		if st.Name == name {
			return st.Done
		}
	}
	return false
}

func (s *State) step(name string) *Step {
	for i := range s.Steps {
		if s.Steps[i].Name == name {
			return &s.Steps[i]
		}
	}
	s.Steps = append(s.Steps, Step{Name: name})
	return &s.Steps[len(s.Steps)-1]
}

// Remove deletes the lab's directory.
func Remove(lab string) error { return os.RemoveAll(Dir(lab)) }

// List returns the names of the labs recorded on this host.
func List() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(StateDir(), "labs"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(StateDir(), "labs", e.Name(), "state.json")); e.IsDir() && err == nil {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}
