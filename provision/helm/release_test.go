package helm_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/provision/helm"
	"github.com/netlab-dev/netlab/provision/helm/helmtest"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	kubefake "helm.sh/helm/v3/pkg/kube/fake"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// memClient drives releases in Helm's in-memory storage, with a cluster client that accepts
// everything: what is tested is netlab's reconcile, not the cluster.
func memClient(t *testing.T) (*helm.Client, *storage.Storage) {
	t.Helper()
	store := storage.Init(driver.NewMemory())
	cfg := &action.Configuration{
		Releases:     store,
		KubeClient:   &kubefake.PrintingKubeClient{Out: io.Discard},
		Capabilities: chartutil.DefaultCapabilities,
		Log:          func(string, ...interface{}) {},
	}
	return helm.NewWithConfig(func(string) (*action.Configuration, error) { return cfg, nil }), store
}

func fixtureRelease(t *testing.T, c helm.Chart, message string) helm.Release {
	t.Helper()
	v, err := helm.ValuesOf(helmtest.Values{Image: "netlab.local/netlab:test", Message: message, Replicas: 1})
	if err != nil {
		t.Fatal(err)
	}
	return helm.Release{Name: "fixture", Namespace: "netlab-test", Chart: c, Values: v}
}

func TestApplyInstallsUpgradesAndLeavesAlone(t *testing.T) {
	c, archive := helmtest.Fixture(t)
	cl, _ := memClient(t)
	ctx := context.Background()
	steps := []struct {
		message  string
		want     helm.Outcome
		revision int
	}{
		{"first", helm.Installed, 1},
		{"first", helm.Unchanged, 1},
		{"second", helm.Upgraded, 2},
		{"second", helm.Unchanged, 2},
	}
	for i, s := range steps {
		got, err := cl.Apply(ctx, fixtureRelease(t, c, s.message), archive, time.Minute)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		st, err := cl.Get("fixture", "netlab-test")
		if err != nil {
			t.Fatal(err)
		}
		if got != s.want || st.Revision != s.revision || st.Status != "deployed" || st.Version != c.Version {
			t.Fatalf("step %d (message %q): %s, revision %d %s of chart %s; want %s, revision %d deployed of %s",
				i, s.message, got, st.Revision, st.Status, st.Version, s.want, s.revision, c.Version)
		}
	}
	removed, err := cl.Uninstall("fixture", "netlab-test", time.Minute)
	if err != nil || !removed {
		t.Fatalf("uninstall: removed %v, %v", removed, err)
	}
	if st, _ := cl.Get("fixture", "netlab-test"); st.Found {
		t.Fatalf("after uninstall the release is still there: %+v", st)
	}
	if removed, err := cl.Uninstall("fixture", "netlab-test", time.Minute); err != nil || removed {
		t.Fatalf("a second uninstall: removed %v, %v; want nothing to do", removed, err)
	}
}

// storeRevision puts a revision of the fixture release into storage, as an interrupted run left it.
func storeRevision(t *testing.T, store *storage.Storage, ch *chart.Chart, version int, status release.Status, message string) {
	t.Helper()
	rel := &release.Release{Name: "fixture", Namespace: "netlab-test", Version: version, Chart: ch,
		Config: map[string]interface{}{"image": "netlab.local/netlab:test", "message": message, "replicas": 1},
		Info:   &release.Info{Status: status}}
	if err := store.Create(rel); err != nil {
		t.Fatal(err)
	}
}

func TestApplyRepairsWhatAnInterruptedRunLeft(t *testing.T) {
	c, archive := helmtest.Fixture(t)
	ch, err := helm.Load(archive, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		left  []release.Status
		want  helm.Outcome
		final int
	}{
		{"failed first install", []release.Status{release.StatusFailed}, helm.Installed, 1},
		{"pending first install", []release.Status{release.StatusPendingInstall}, helm.Installed, 1},
		{"pending upgrade", []release.Status{release.StatusDeployed, release.StatusPendingUpgrade}, helm.Upgraded, 4},
		{"failed upgrade", []release.Status{release.StatusSuperseded, release.StatusFailed}, helm.Installed, 1},
		{"failed upgrade after a deployed one", []release.Status{release.StatusDeployed, release.StatusFailed}, helm.Upgraded, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl, store := memClient(t)
			for i, st := range tc.left {
				storeRevision(t, store, ch, i+1, st, "first")
			}
			got, err := cl.Apply(context.Background(), fixtureRelease(t, c, "first"), archive, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := cl.Get("fixture", "netlab-test")
			if got != tc.want || st.Status != "deployed" || st.Revision != tc.final {
				t.Fatalf("%s then revision %d %s; want %s then revision %d deployed", got, st.Revision, st.Status, tc.want, tc.final)
			}
		})
	}
}

func TestApplyValidatesValuesAgainstTheChartSchema(t *testing.T) {
	c, archive := helmtest.Fixture(t)
	cl, _ := memClient(t)
	r := fixtureRelease(t, c, "first")
	r.Values["replicas"] = 7 // the schema allows 0 to 3
	r.Values["typo"] = true  // and no other keys
	_, err := cl.Apply(context.Background(), r, archive, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "replicas") || !strings.Contains(err.Error(), "typo") {
		t.Fatalf("values outside the schema: %v; want a refusal naming both keys", err)
	}
	if st, _ := cl.Get("fixture", "netlab-test"); st.Found {
		t.Fatalf("a refused install left a release: %+v", st)
	}
}

func TestLoadRefusesAnotherChart(t *testing.T) {
	c, archive := helmtest.Fixture(t)
	c.Version = "9.9.9"
	if _, err := helm.Load(archive, c); err == nil || !strings.Contains(err.Error(), "holds netlab-fixture 0.1.0") {
		t.Fatalf("an archive of another version: %v", err)
	}
}
