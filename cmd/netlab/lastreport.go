package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/internal/hint"
	"github.com/netlab-dev/netlab/labstate"
)

// lastReportFile is where 'netlab check' (and 'netlab up') keep the lab's last report, in the
// lab's state directory; 'netlab graph LAB' colours the checked paths by it.
const lastReportFile = "last-check.json"

// saveLastReport records rep as lab's last check report.
func saveLastReport(lab string, rep *report.Report) error {
	var b bytes.Buffer
	if err := rep.JSON(&b); err != nil {
		return err
	}
	if err := labstate.WriteFile(lab, lastReportFile, b.Bytes()); err != nil {
		return fmt.Errorf("recording the report in %s: %w", filepath.Join(labstate.Dir(lab), lastReportFile), err)
	}
	return nil
}

// loadLastReport reads lab's last check report; nil, without error, when the lab was never checked.
func loadLastReport(lab string) (*report.Report, error) {
	data, err := labstate.ReadFile(lab, lastReportFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	path := filepath.Join(labstate.Dir(lab), lastReportFile)
	if err != nil {
		return nil, hint.Wrap(fmt.Errorf("lab %s: reading its last check report %s: %w", lab, path, err), "check the file's permissions, or remove it and run 'netlab check "+lab+"' again")
	}
	var rep report.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, hint.Wrap(fmt.Errorf("lab %s: its last check report %s is damaged: %w", lab, path, err), "run 'netlab check "+lab+"' again to replace it")
	}
	return &rep, nil
}
