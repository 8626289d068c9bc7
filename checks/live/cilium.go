package live

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/internal/ciliumnames"
	"github.com/netlab-dev/netlab/probe/node"
)

// CiliumServices asks the Cilium agent on nodeName for its service map.
func (l *Lab) CiliumServices(ctx context.Context, cluster, nodeName string) ([]node.CiliumService, error) {
	c, ok := l.Clusters[cluster]
	if !ok {
		return nil, fmt.Errorf("cluster %s is not in the lab", cluster)
	}
	pods, err := c.Kube.Clientset.CoreV1().Pods(ciliumnames.Namespace).List(ctx, metav1.ListOptions{LabelSelector: ciliumnames.AgentSelector, FieldSelector: "spec.nodeName=" + nodeName})
	if err != nil {
		return nil, fmt.Errorf("cluster %s: the Cilium agent on %s: %w", cluster, nodeName, err)
	}
	if len(pods.Items) == 0 {
		return nil, fmt.Errorf("cluster %s: no Cilium agent Pod (%s in %s) on node %s", cluster, ciliumnames.AgentSelector, ciliumnames.Namespace, nodeName)
	}
	pod := pods.Items[0].Name
	cmd := []string{"cilium-dbg", "service", "list", "-o", "json"}
	out, errOut, err := c.Kube.Exec(ctx, ciliumnames.Namespace, pod, ciliumnames.AgentContainer, cmd)
	checks.Record(ctx, cluster+"/"+pod, strings.Join(cmd, " "), string(out), err)
	if err != nil {
		return nil, fmt.Errorf("cluster %s, %s: %s: %v: %s", cluster, pod, strings.Join(cmd, " "), err, strings.TrimSpace(string(errOut)))
	}
	return node.ParseCiliumServices(out)
}

// ciliumPodCIDRs reads each node's Pod ranges from its CiliumNode: under Cilium's cluster-pool
// IPAM, Node.spec.podCIDR is not what the node's Pods get.
func ciliumPodCIDRs(ctx context.Context, c *Cluster) (map[string][]string, error) {
	list, err := c.Kube.Dynamic.Resource(ciliumnames.Nodes).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("cluster %s: CiliumNodes: %w", c.Plan.Name, err)
	}
	return ciliumnames.NodeRanges(list.Items), nil
}
