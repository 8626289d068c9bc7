package live

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/netlab-dev/netlab/labca"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
)

// IngressTLSSecret is the check Ingress's certificate (kubernetes.io/tls) in the checks' namespace:
// a leaf of the lab's CA for the Ingress's two hosts.
const IngressTLSSecret = "netlab-checks-tls"

// LabCA is the lab's CA (package labca), as Prepare made or found it; nil before Prepare or in a
// lab where nothing serves TLS.
func (l *Lab) LabCA() (*labca.CA, error) {
	if l.ca == nil {
		return nil, errors.New("the lab has no CA: no cluster serves TLS (ingress: {}), or the probes are not prepared")
	}
	return l.ca, nil
}

// prepareTLS reads the lab's CA from its state (or makes it, once) and the leaf of each cluster
// with an ingress controller, and saves the CA when a leaf was issued.
func (l *Lab) prepareTLS() error {
	var ingress []plan.ClusterPlan
	for _, c := range l.Plan.Clusters {
		if c.Ingress != nil {
			ingress = append(ingress, c)
		}
	}
	if len(ingress) == 0 {
		return nil
	}
	now := time.Now()
	ca, err := loadCA(l.Plan.Lab)
	changed := false
	if errors.Is(err, fs.ErrNotExist) {
		ca, err = labca.New(l.Plan.Lab, now, rand.Reader)
		changed = true
	}
	if err != nil {
		return fmt.Errorf("the lab's CA (%s in its state): %w", labca.File, err)
	}
	l.tls = map[string]labca.Leaf{}
	for _, c := range ingress {
		leaf, issued, err := ca.Leaf("ingress/"+c.Name, []string{IngressHostEcho(c), IngressHostPinned(c)}, now, rand.Reader)
		if err != nil {
			return fmt.Errorf("cluster %s: the ingress certificate: %w", c.Name, err)
		}
		l.tls[c.Name] = leaf
		changed = changed || issued
	}
	if changed {
		data, err := ca.Marshal()
		if err != nil {
			return err
		}
		if err := labstate.WriteFile(l.Plan.Lab, labca.File, data); err != nil {
			return fmt.Errorf("save the lab's CA: %w", err)
		}
	}
	l.ca = ca
	return nil
}

func loadCA(lab string) (*labca.CA, error) {
	data, err := labstate.ReadFile(lab, labca.File)
	if err != nil {
		return nil, err
	}
	return labca.Unmarshal(data)
}
