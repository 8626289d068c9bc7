package provision

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/egress"
	"github.com/netlab-dev/netlab/internal/cell"
	"github.com/netlab-dev/netlab/internal/names"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/cluster"
	"github.com/netlab-dev/netlab/provision/component"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/provision/tgw"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LabStatus is what 'netlab status' reports for one lab.
type LabStatus struct {
	Lab      string          `json:"lab"`
	Scenario string          `json:"scenario"`
	Updated  time.Time       `json:"updated"`
	Steps    []labstate.Step `json:"steps"`
	Clusters []ClusterStatus `json:"clusters"`
	Networks []string        `json:"networks"`
	// Complete is true when every step of 'up' finished and every node is Ready.
	Complete    bool   `json:"complete"`
	TGWEndpoint string `json:"tgwEndpoint,omitempty"`
	// TGW is the lab's transit gateway container, when its scenario has one.
	TGW *TGWStatus `json:"tgw,omitempty"`
	// GlobalLB is the lab's global load balancer container, when its scenario has one.
	GlobalLB *ApplianceStatus `json:"globalLoadBalancer,omitempty"`
	// DMZ is the DMZ's WAF and load balancer containers, when its scenario has a DMZ.
	DMZ []ApplianceStatus `json:"dmz,omitempty"`
	// Outside is the plan's policy for what may leave the machine; Egress the guard's counters.
	Outside plan.OutsidePlan `json:"outside"`
	Egress  egress.Counters  `json:"egress"`
	// EgressError is why the counters could not be read.
	EgressError string `json:"egressError,omitempty"`
}

// TGWStatus is the transit gateway container of a lab.
type TGWStatus struct {
	Name      string `json:"name"`
	Container string `json:"container"`
	// State is Docker's ("running", "exited", ...) or "missing".
	State    string `json:"state"`
	Endpoint string `json:"endpoint,omitempty"` // its EC2 API on the host's loopback
	Volume   string `json:"volume"`             // the named volume holding its state
	Error    string `json:"error,omitempty"`
}

// ApplianceStatus is a container the lab runs beside its clusters: the global load balancer (seed
// pattern 1), the DMZ's WAF and load balancer (pattern 4).
type ApplianceStatus struct {
	Container string `json:"container"`
	// State is Docker's ("running", "exited", ...) or "missing".
	State string `json:"state"`
	// Legs are its planned addresses and what each leads to ("10.30.1.252 -> east").
	Legs  []string `json:"legs"`
	Error string   `json:"error,omitempty"`
}

// ClusterStatus is one cluster's live state.
type ClusterStatus struct {
	Name    string `json:"name"`
	Context string `json:"context"`
	Exists  bool   `json:"exists"`
	CNI     string `json:"cni"`
	// DataPlane names what moves the Pods' packets (component.CNI.DataPlane).
	DataPlane string `json:"dataPlane,omitempty"`
	// CNIHealth is what the CNI's agents report of themselves (component.Healther), when it can tell.
	CNIHealth     string   `json:"cniHealth,omitempty"`
	KubeProxyMode string   `json:"kubeProxyMode"`
	MetalLBPool   []string `json:"metallbPool,omitempty"`
	// Addons are the status lines of the cluster's add-ons (component.Addon.Status).
	Addons []string `json:"addons,omitempty"`
	// NodeImage is the plan's node image; NodesRun the image the nodes were created from when it
	// differs (a derived node image with the images baked in, see package nodeimage).
	NodeImage string       `json:"nodeImage"`
	NodesRun  string       `json:"nodesRun,omitempty"`
	Nodes     []NodeStatus `json:"nodes"`
	Error     string       `json:"error,omitempty"`
}

// NodeStatus is one node.
type NodeStatus struct {
	Name  string `json:"name"`
	IP    string `json:"ip"`
	Ready bool   `json:"ready"`
}

// Status reads a lab's state and asks Docker, kind and each API server how it is now.
func Status(ctx context.Context, labName string) (*LabStatus, error) {
	st, err := labstate.Load(labName)
	if err != nil {
		return nil, err
	}
	ls := &LabStatus{Lab: st.Lab, Scenario: st.Scenario, Updated: st.Updated, Steps: st.Steps, TGWEndpoint: st.TGWEndpoint}
	eng, err := connect(ctx)
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	if st.Plan != nil && st.Plan.TransitGateway != nil {
		t := st.Plan.TransitGateway
		ts := &TGWStatus{Name: t.Name, Container: t.Container, Volume: tgw.ContainerSpec{Name: t.Container}.Volume(), Endpoint: st.TGWEndpoint}
		ts.State, ts.Error = containerState(ctx, eng, t.Container)
		if ep, err := tgw.Endpoint(ctx, eng, t.Container); err == nil {
			ts.Endpoint = ep
		}
		ls.TGW, ls.TGWEndpoint = ts, ts.Endpoint
	}
	ls.GlobalLB, ls.DMZ = appliances(ctx, eng, st.Plan)
	ls.Outside = st.Plan.Outside
	if ls.Egress, err = egress.Read(st.Lab); err != nil {
		ls.EgressError = err.Error()
	}
	var kinds []string
	for _, c := range st.Plan.Clusters {
		kinds = append(kinds, c.KindName)
	}
	if objs, err := eng.LabObjects(ctx, st.Lab, kinds); err == nil {
		ls.Networks = objs.Networks
	}
	prov := &cluster.Provider{}
	complete := true
	for _, s := range st.Steps {
		complete = complete && s.Done
	}
	for _, c := range st.Plan.Clusters {
		cs := clusterStatus(ctx, prov, st.Lab, c)
		cs.NodeImage = c.NodeImage
		if run := st.NodeImages[c.Name]; run != c.NodeImage {
			cs.NodesRun = run
		}
		for _, n := range cs.Nodes {
			complete = complete && n.Ready
		}
		complete = complete && cs.Exists && len(cs.Nodes) == len(c.Nodes)
		ls.Clusters = append(ls.Clusters, cs)
	}
	if ls.TGW != nil {
		complete = complete && ls.TGW.State == "running"
	}
	if ls.GlobalLB != nil {
		complete = complete && ls.GlobalLB.State == "running"
	}
	for _, a := range ls.DMZ {
		complete = complete && a.State == "running"
	}
	if ls.Outside.Guarded() && !ls.Egress.Installed {
		complete = false
	}
	ls.Complete = complete && len(st.Steps) > 0
	return ls, nil
}

func clusterStatus(ctx context.Context, prov *cluster.Provider, labName string, c plan.ClusterPlan) ClusterStatus {
	cs := ClusterStatus{Name: c.Name, Context: c.Context, CNI: c.CNI.Type + "/" + c.CNI.Mode, KubeProxyMode: c.KubeProxyMode}
	if c.MetalLB != nil {
		cs.MetalLBPool = c.MetalLB.Addresses
	}
	reg := component.Builtin(component.Options{})
	cs.Addons = reg.Status(c)
	cs.DataPlane = reg.DataPlane(c)
	exists, _, err := prov.Exists(c.KindName)
	if err != nil {
		cs.Error = err.Error()
		return cs
	}
	cs.Exists = exists
	if !exists {
		return cs
	}
	kc, err := labstate.ReadFile(labName, names.KubeconfigFile(c.Name))
	if err != nil {
		cs.Error = "no kubeconfig recorded yet"
		return cs
	}
	client, err := kube.New(c.Name, kc)
	if err != nil {
		cs.Error = err.Error()
		return cs
	}
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	nodes, err := client.Clientset.CoreV1().Nodes().List(qctx, metav1.ListOptions{})
	if err != nil {
		cs.Error = "API server: " + err.Error()
		return cs
	}
	for _, n := range nodes.Items {
		ns := NodeStatus{Name: n.Name}
		for _, a := range n.Status.Addresses {
			if a.Type == corev1.NodeInternalIP {
				ns.IP = a.Address
			}
		}
		for _, cd := range n.Status.Conditions {
			if cd.Type == corev1.NodeReady {
				ns.Ready = cd.Status == corev1.ConditionTrue
			}
		}
		cs.Nodes = append(cs.Nodes, ns)
	}
	cs.CNIHealth = reg.Health(ctx, client, c)
	return cs
}

// WriteTable renders a status for people.
func (s *LabStatus) WriteTable(out io.Writer) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	state := "incomplete: run 'netlab up' again to finish it"
	if s.Complete {
		state = "up"
	}
	fmt.Fprintf(w, "LAB %s\t%s\t(scenario %s, updated %s)\n", s.Lab, state, s.Scenario, s.Updated.Format(time.RFC3339))
	fmt.Fprintf(w, "\nCLUSTER\tCONTEXT\tCNI\tKUBE-PROXY\tLB POOL\tNODES READY\tNOTE\n")
	for _, c := range s.Clusters {
		ready := 0
		for _, n := range c.Nodes {
			if n.Ready {
				ready++
			}
		}
		note := c.Error
		if !c.Exists {
			note = "not created"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d/%d\t%s\n", c.Name, c.Context, c.CNI, c.KubeProxyMode, strings.Join(c.MetalLBPool, ","), ready, len(c.Nodes), note)
	}
	fmt.Fprintf(w, "\nCLUSTER\tDATA PLANE\n")
	for _, c := range s.Clusters {
		line := c.DataPlane
		if c.CNIHealth != "" {
			line += "; " + c.CNIHealth
		}
		fmt.Fprintf(w, "%s\t%s\n", c.Name, line)
	}
	fmt.Fprintf(w, "\nNODE\tIP\tREADY\n")
	for _, c := range s.Clusters {
		for _, n := range c.Nodes {
			fmt.Fprintf(w, "%s\t%s\t%v\n", n.Name, n.IP, n.Ready)
		}
	}
	fmt.Fprintf(w, "\nCLUSTER\tNODE IMAGE\n")
	for _, c := range s.Clusters {
		img := c.NodeImage
		if c.NodesRun != "" {
			img = fmt.Sprintf("%s (derived from %s, with the lab's images baked in)", c.NodesRun, c.NodeImage)
		}
		fmt.Fprintf(w, "%s\t%s\n", c.Name, img)
	}
	fmt.Fprintf(w, "\nSTEP\tDONE\tERROR\n")
	for _, st := range s.Steps {
		fmt.Fprintf(w, "%s\t%v\t%s\n", st.Name, st.Done, st.Error)
	}
	if len(s.Networks) > 0 {
		fmt.Fprintf(w, "\nNETWORKS\t%s\n", strings.Join(s.Networks, ", "))
	}
	fmt.Fprintf(w, "\nOUTSIDE\t%s\n", s.Outside.Summary())
	if s.Outside.Guarded() {
		guard := s.Egress.Summary()
		if s.EgressError != "" {
			guard = "cannot be read: " + s.EgressError
		} else if !s.Egress.Installed {
			guard += ": run 'netlab up' again to install it"
		}
		fmt.Fprintf(w, "EGRESS GUARD\t%s\n", guard)
	}
	if t := s.TGW; t != nil {
		note := containerNote(t.State, t.Error)
		fmt.Fprintf(w, "\nTGW\tCONTAINER\tSTATE\tAPI\tSTATE VOLUME\tNOTE\n")
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, t.Container, t.State, cell.Dash(t.Endpoint), t.Volume, note)
	}
	if g := s.GlobalLB; g != nil {
		note := containerNote(g.State, g.Error)
		fmt.Fprintf(w, "\nGLOBAL LB\tSTATE\tLEGS\tNOTE\n")
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", g.Container, g.State, strings.Join(g.Legs, ", "), note)
	}
	if len(s.DMZ) > 0 {
		fmt.Fprintf(w, "\nDMZ\tSTATE\tLEGS\tNOTE\n")
		for _, a := range s.DMZ {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", a.Container, a.State, strings.Join(a.Legs, ", "), containerNote(a.State, a.Error))
		}
	}
	return w.Flush()
}

// appliances are the containers of p's global load balancer and DMZ, with their state.
func appliances(ctx context.Context, eng *docker.Engine, p *plan.Plan) (*ApplianceStatus, []ApplianceStatus) {
	var glb *ApplianceStatus
	if g := p.GlobalLB; g != nil {
		glb = &ApplianceStatus{Container: g.Container}
		for _, m := range g.Members {
			glb.Legs = append(glb.Legs, fmt.Sprintf("%s -> %s", m.Address, m.Cluster))
		}
		glb.State, glb.Error = containerState(ctx, eng, g.Container)
	}
	var dmz []ApplianceStatus
	if d := p.DMZ; d != nil {
		waf := ApplianceStatus{Container: d.WAF.Container, Legs: []string{fmt.Sprintf("%s:%d (rules on), :%d (off) -> %s", d.WAF.Address, d.WAF.Port, d.WAF.PortOff, d.LB.Front.Address)}}
		lb := ApplianceStatus{Container: d.LB.Container, Legs: []string{fmt.Sprintf("%s (front)", d.LB.Front.Address)}}
		for _, m := range d.LB.Members {
			lb.Legs = append(lb.Legs, fmt.Sprintf("%s -> %s", m.Address, m.Cluster))
		}
		for _, a := range []*ApplianceStatus{&waf, &lb} {
			a.State, a.Error = containerState(ctx, eng, a.Container)
			dmz = append(dmz, *a)
		}
	}
	return glb, dmz
}

// containerState is Docker's state of a container the lab runs itself, or why it could not be read.
func containerState(ctx context.Context, eng *docker.Engine, name string) (state, errText string) {
	state, err := eng.ContainerState(ctx, name)
	if err != nil {
		return "", err.Error()
	}
	return state, ""
}

// containerNote is the status table's note for such a container: the error, or the way back when
// it does not run.
func containerNote(state, errText string) string {
	if errText == "" && state != "running" {
		return "not running: run 'netlab up' again to start it"
	}
	return errText
}
