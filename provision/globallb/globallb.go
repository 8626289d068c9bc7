// Package globallb renders the global load balancer of seed pattern 1: one container of Traefik
// (the image the clusters' ingress runs) with a leg on each member cluster's subnet, whose file
// provider spreads requests for the plan's Host over the members' ingress addresses by weighted
// round robin, each member health-checked: a member whose ingress stops answering gets no more
// requests until it answers again.
package globallb

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"

	"sigs.k8s.io/yaml"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/provision/traefik"
)

const (
	// ConfigPath is the dynamic configuration's file in the container.
	ConfigPath = "/etc/netlab/global-lb.yaml"
	// Port is where it listens for requests, on every leg.
	Port = 80
	// HealthInterval is how often each member's ingress is asked; HealthTimeout how long one ask
	// may take. A member is out after one failed ask and back after one good one.
	HealthInterval = "1s"
	HealthTimeout  = "1s"
	// Role is the container's netlab.dev/role label.
	Role = "global-lb"
)

// Image is what the container runs: Traefik, as the clusters' ingress.
const Image = images.Traefik

// Config is the file provider's dynamic configuration: one router for every request, one
// weighted service over one load-balancer service per member.
type Config struct {
	HTTP HTTP `json:"http"`
}

// HTTP is the configuration's http section.
type HTTP struct {
	Routers  map[string]Router  `json:"routers"`
	Services map[string]Service `json:"services"`
}

// Router sends what matches Rule on EntryPoints to Service.
type Router struct {
	Rule        string   `json:"rule"`
	EntryPoints []string `json:"entryPoints"`
	Service     string   `json:"service"`
}

// Service is a weighted service (over other services) or a load balancer (over servers).
type Service struct {
	Weighted     *Weighted     `json:"weighted,omitempty"`
	LoadBalancer *LoadBalancer `json:"loadBalancer,omitempty"`
}

// Weighted spreads by weight over services; HealthCheck (empty) makes it skip unhealthy ones.
type Weighted struct {
	Services    []WeightedService `json:"services"`
	HealthCheck *struct{}         `json:"healthCheck,omitempty"`
}

// WeightedService is one member of a Weighted service.
type WeightedService struct {
	Name   string `json:"name"`
	Weight int    `json:"weight"`
}

// LoadBalancer is servers behind a health check; PassHostHeader keeps the client's Host.
type LoadBalancer struct {
	Servers        []Server    `json:"servers"`
	PassHostHeader bool        `json:"passHostHeader"`
	HealthCheck    HealthCheck `json:"healthCheck"`
}

// Server is one backend URL.
type Server struct {
	URL string `json:"url"`
}

// HealthCheck asks Path with Hostname as Host every Interval.
type HealthCheck struct {
	Path     string `json:"path"`
	Hostname string `json:"hostname"`
	Interval string `json:"interval"`
	Timeout  string `json:"timeout"`
}

// Render is the dynamic configuration for g.
func Render(g plan.GlobalLBPlan) ([]byte, error) {
	c := Config{HTTP: HTTP{
		Routers:  map[string]Router{"global": {Rule: "PathPrefix(`/`)", EntryPoints: []string{"web"}, Service: "global"}},
		Services: map[string]Service{},
	}}
	w := &Weighted{HealthCheck: &struct{}{}}
	for _, m := range g.Members {
		name := "cluster-" + m.Cluster
		w.Services = append(w.Services, WeightedService{Name: name, Weight: 1})
		c.HTTP.Services[name] = Service{LoadBalancer: &LoadBalancer{
			Servers:        []Server{{URL: "http://" + netip.AddrPortFrom(m.Ingress, 80).String()}},
			PassHostHeader: true,
			HealthCheck:    HealthCheck{Path: "/", Hostname: g.Host, Interval: HealthInterval, Timeout: HealthTimeout},
		}}
	}
	c.HTTP.Services["global"] = Service{Weighted: w}
	return yaml.Marshal(c)
}

// Container is the global load balancer's container for plan p (which must have one): Traefik
// with its file provider on ConfigPath, a leg on each member's subnet at the plan's address, no
// added capabilities, nothing that calls out of the lab.
func Container(p *plan.Plan, labels map[string]string) (docker.ContainerSpec, error) {
	g := p.GlobalLB
	if g == nil || len(g.Members) == 0 {
		return docker.ContainerSpec{}, fmt.Errorf("lab %s has no global load balancer", p.Lab)
	}
	cfg, err := Render(*g)
	if err != nil {
		return docker.ContainerSpec{}, err
	}
	sum := sha256.Sum256(cfg)
	s := docker.ContainerSpec{
		Name:   g.Container,
		Image:  Image,
		Cmd:    Args(),
		Labels: labels,
		// The digest makes a changed configuration replace the container (EnsureContainer keeps
		// one whose environment holds every variable of Env).
		Env:                  map[string]string{"NETLAB_CONFIG_SHA256": hex.EncodeToString(sum[:])},
		Files:                map[string]string{ConfigPath: string(cfg)},
		RestartUnlessStopped: true,
	}
	// One leg per network: members that share a subnet share the leg.
	seen := map[string]bool{}
	for _, m := range g.Members {
		if !seen[m.Network] {
			seen[m.Network] = true
			s.Networks = append(s.Networks, docker.Attachment{Network: m.Network, IP: m.Address})
		}
	}
	return s, nil
}

// Args are Traefik's static configuration: the web entry point, the file provider, access to
// /ping, and what every Traefik of a lab has (traefik.InLabArgs: nothing that calls out).
func Args() []string {
	return append([]string{
		fmt.Sprintf("--entryPoints.web.address=:%d", Port),
		"--providers.file.filename=" + ConfigPath,
		"--ping=true",
	}, traefik.InLabArgs()...)
}
