package helm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// Values are a release's values, in Helm's own form. Build them from a typed struct with
// ValuesOf; netlab writes no values by hand.
type Values = map[string]interface{}

// ValuesOf turns typed values (a struct with json tags named as the chart's keys) into Values.
func ValuesOf[T any](v T) (Values, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := Values{}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Release is a chart installed under a name, in a namespace, with values.
type Release struct {
	Name      string
	Namespace string
	Chart     Chart
	Values    Values
}

// Outcome is what Apply did.
type Outcome string

// Apply's outcomes.
const (
	Installed Outcome = "installed"
	Upgraded  Outcome = "upgraded"
	Unchanged Outcome = "unchanged"
)

// State is a release as it stands in a cluster.
type State struct {
	Found    bool
	Revision int
	Status   string // Helm's status: deployed, failed, pending-install, ...
	Version  string // the chart's version
}

// Client drives releases in one cluster.
type Client struct {
	// config is Helm's action configuration for a namespace: releases stored as Secrets there,
	// the cluster reached through the kubeconfig (tests put in-memory ones here).
	config func(namespace string) (*action.Configuration, error)
}

// New is a client for the cluster of this kubeconfig (its current context). log receives Helm's
// own debug lines; nil drops them.
func New(kubeconfig []byte, log func(format string, v ...interface{})) *Client {
	if log == nil {
		log = func(string, ...interface{}) {}
	}
	return &Client{config: func(namespace string) (*action.Configuration, error) {
		cfg := new(action.Configuration)
		if err := cfg.Init(&getter{kubeconfig: kubeconfig, namespace: namespace}, namespace, "secret", log); err != nil {
			return nil, err
		}
		return cfg, nil
	}}
}

// NewWithConfig is a client whose action configurations come from config: another storage or
// cluster client than New's (Helm's in-memory storage in tests).
func NewWithConfig(config func(namespace string) (*action.Configuration, error)) *Client {
	return &Client{config: config}
}

// Get reads a release's latest revision.
func (c *Client) Get(name, namespace string) (State, error) {
	cfg, err := c.config(namespace)
	if err != nil {
		return State{}, err
	}
	rel, err := cfg.Releases.Last(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return State{}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("release %s/%s: %w", namespace, name, err)
	}
	return stateOf(rel), nil
}

func stateOf(rel *release.Release) State {
	s := State{Found: true, Revision: rel.Version}
	if rel.Info != nil {
		s.Status = rel.Info.Status.String()
	}
	if rel.Chart != nil && rel.Chart.Metadata != nil {
		s.Version = rel.Chart.Metadata.Version
	}
	return s
}

// Load parses a chart archive and checks it is the chart it claims to be.
func Load(archive []byte, want Chart) (*chart.Chart, error) {
	ch, err := loader.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		return nil, fmt.Errorf("chart %s %s: %w", want.Name, want.Version, err)
	}
	if ch.Metadata == nil || ch.Metadata.Name != want.Name || ch.Metadata.Version != want.Version {
		got := "no metadata"
		if ch.Metadata != nil {
			got = ch.Metadata.Name + " " + ch.Metadata.Version
		}
		return nil, fmt.Errorf("the archive pinned as chart %s %s holds %s", want.Name, want.Version, got)
	}
	return ch, nil
}

// Apply reconciles release r to its chart archive and values: it installs it when absent,
// upgrades it when the deployed chart version or values differ, and leaves it alone otherwise.
// Helm waits (bounded by timeout) until the release's workloads are ready. A release left
// half-done by an interrupted run is repaired first: a pending or failed first install is
// uninstalled and installed again; a pending upgrade is rolled back, then upgraded.
func (c *Client) Apply(ctx context.Context, r Release, archive []byte, timeout time.Duration) (Outcome, error) {
	ch, err := Load(archive, r.Chart)
	if err != nil {
		return "", err
	}
	return c.ApplyChart(ctx, r, ch, timeout)
}

// ApplyChart is Apply for a chart already loaded: one a Go package embeds (Istio's), whose
// version go.mod pins instead of a digest. r.Chart names it in messages and versions it.
func (c *Client) ApplyChart(ctx context.Context, r Release, ch *chart.Chart, timeout time.Duration) (Outcome, error) {
	cfg, err := c.config(r.Namespace)
	if err != nil {
		return "", err
	}
	history, err := cfg.Releases.History(r.Name)
	if err != nil && !errors.Is(err, driver.ErrReleaseNotFound) {
		return "", fmt.Errorf("release %s/%s: reading its history: %w", r.Namespace, r.Name, err)
	}
	last, deployed := latest(history)
	if last != nil && deployed == nil {
		// Never deployed (an install that failed or was interrupted): start again.
		if err := c.uninstall(cfg, r.Name, timeout); err != nil {
			return "", fmt.Errorf("release %s/%s never deployed (%s); removing it before installing again: %w", r.Namespace, r.Name, last.Info.Status, err)
		}
		last = nil
	}
	if last == nil {
		in := action.NewInstall(cfg)
		in.ReleaseName, in.Namespace, in.CreateNamespace = r.Name, r.Namespace, true
		in.Wait, in.Timeout = true, timeout
		if _, err := in.RunWithContext(ctx, ch, r.Values); err != nil {
			return "", fmt.Errorf("installing chart %s %s as %s/%s: %w", r.Chart.Name, r.Chart.Version, r.Namespace, r.Name, err)
		}
		return Installed, nil
	}
	if last.Info.Status.IsPending() {
		rb := action.NewRollback(cfg)
		rb.Version, rb.Wait, rb.Timeout = deployed.Version, true, timeout
		if err := rb.Run(r.Name); err != nil {
			return "", fmt.Errorf("release %s/%s is %s from an interrupted run; rolling back to revision %d: %w", r.Namespace, r.Name, last.Info.Status, deployed.Version, err)
		}
	} else if last == deployed && same(deployed, r.Chart.Version, r.Values) {
		return Unchanged, nil
	}
	up := action.NewUpgrade(cfg)
	up.Namespace, up.Wait, up.Timeout, up.MaxHistory = r.Namespace, true, timeout, 5
	if _, err := up.RunWithContext(ctx, r.Name, ch, r.Values); err != nil {
		return "", fmt.Errorf("upgrading %s/%s to chart %s %s: %w", r.Namespace, r.Name, r.Chart.Name, r.Chart.Version, err)
	}
	return Upgraded, nil
}

// latest returns the newest revision and the newest deployed one (nil when none).
func latest(history []*release.Release) (last, deployed *release.Release) {
	for _, rel := range history {
		if last == nil || rel.Version > last.Version {
			last = rel
		}
		if rel.Info != nil && rel.Info.Status == release.StatusDeployed && (deployed == nil || rel.Version > deployed.Version) {
			deployed = rel
		}
	}
	return last, deployed
}

// same says whether a deployed revision has this chart version and these values.
func same(rel *release.Release, version string, values Values) bool {
	if rel.Chart == nil || rel.Chart.Metadata == nil || rel.Chart.Metadata.Version != version {
		return false
	}
	a, errA := json.Marshal(normalize(rel.Config))
	b, errB := json.Marshal(normalize(values))
	return errA == nil && errB == nil && bytes.Equal(a, b)
}

// normalize treats nil and empty values alike.
func normalize(v Values) Values {
	if len(v) == 0 {
		return Values{}
	}
	return v
}

// Uninstall removes a release and waits (bounded) until its objects are gone. A release that
// does not exist is not an error: removed is false.
func (c *Client) Uninstall(name, namespace string, timeout time.Duration) (removed bool, err error) {
	cfg, err := c.config(namespace)
	if err != nil {
		return false, err
	}
	if _, err := cfg.Releases.Last(name); errors.Is(err, driver.ErrReleaseNotFound) {
		return false, nil
	}
	if err := c.uninstall(cfg, name, timeout); err != nil {
		return false, fmt.Errorf("uninstalling %s/%s: %w", namespace, name, err)
	}
	return true, nil
}

func (c *Client) uninstall(cfg *action.Configuration, name string, timeout time.Duration) error {
	un := action.NewUninstall(cfg)
	un.Wait, un.Timeout, un.IgnoreNotFound = true, timeout, true
	_, err := un.Run(name)
	return err
}
