// Package globallb renders the global load balancer of seed pattern 1 (and the DMZ load balancer
// of pattern 4, which is the same with a front leg in the DMZ): one container of Traefik
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
	"strings"

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
	// HealthPath is what the health check asks each member for: a path of its own, so that the
	// backends' request counts by Host and path (the DMZ check's evidence) never count it.
	HealthPath = "/netlab-health"
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
			HealthCheck:    HealthCheck{Path: HealthPath, Hostname: g.Host, Interval: HealthInterval, Timeout: HealthTimeout},
		}}
	}
	c.HTTP.Services["global"] = Service{Weighted: w}
	return yaml.Marshal(c)
}

// Container is the container of load balancer g of lab (the global one, or the DMZ's): Traefik
// with its file provider on ConfigPath, a leg on g's front network (when it has one) and on each
// member's subnet at the plan's addresses, no added capabilities, nothing that calls out of the lab.
func Container(lab string, g *plan.GlobalLBPlan, labels map[string]string) (docker.ContainerSpec, error) {
	if g == nil || len(g.Members) == 0 {
		return docker.ContainerSpec{}, fmt.Errorf("lab %s: a load balancer without members", lab)
	}
	cfg, err := Render(*g)
	if err != nil {
		return docker.ContainerSpec{}, err
	}
	args := Args()
	sum := sha256.Sum256([]byte(string(cfg) + "\n" + strings.Join(args, " ")))
	s := docker.ContainerSpec{
		Name:   g.Container,
		Image:  Image,
		Cmd:    args,
		Labels: labels,
		// The digest (of the configuration and the command line) makes a change replace the
		// container (EnsureContainer keeps one whose environment holds every variable of Env).
		Env:                  map[string]string{"NETLAB_CONFIG_SHA256": hex.EncodeToString(sum[:])},
		Files:                map[string]string{ConfigPath: string(cfg)},
		RestartUnlessStopped: true,
	}
	// One leg per network: members that share a subnet share the leg.
	seen := map[string]bool{}
	leg := func(network string, addr netip.Addr) {
		if !seen[network] {
			seen[network] = true
			s.Networks = append(s.Networks, docker.Attachment{Network: network, IP: addr})
		}
	}
	if g.Front.Network != "" {
		leg(g.Front.Network, g.Front.Address)
	}
	for _, m := range g.Members {
		leg(m.Network, m.Address)
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
