package live

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/probe/node"
)

// The Cilium agent, as upstream's chart deploys it (provision/cni/cilium holds the same names; the
// checks do not import the provisioning side).
const (
	ciliumNamespace = "kube-system"
	ciliumSelector  = "k8s-app=cilium"
	ciliumContainer = "cilium-agent"
)

// CiliumServices asks the Cilium agent on nodeName for its service map.
func (l *Lab) CiliumServices(ctx context.Context, cluster, nodeName string) ([]node.CiliumService, error) {
	c, ok := l.Clusters[cluster]
	if !ok {
		return nil, fmt.Errorf("cluster %s is not in the lab", cluster)
	}
	pods, err := c.Kube.Clientset.CoreV1().Pods(ciliumNamespace).List(ctx, metav1.ListOptions{LabelSelector: ciliumSelector, FieldSelector: "spec.nodeName=" + nodeName})
	if err != nil {
		return nil, fmt.Errorf("cluster %s: the Cilium agent on %s: %w", cluster, nodeName, err)
	}
	if len(pods.Items) == 0 {
		return nil, fmt.Errorf("cluster %s: no Cilium agent Pod (%s in %s) on node %s", cluster, ciliumSelector, ciliumNamespace, nodeName)
	}
	pod := pods.Items[0].Name
	cmd := []string{"cilium-dbg", "service", "list", "-o", "json"}
	out, errOut, err := c.Kube.Exec(ctx, ciliumNamespace, pod, ciliumContainer, cmd)
	checks.Record(ctx, cluster+"/"+pod, strings.Join(cmd, " "), string(out), err)
	if err != nil {
		return nil, fmt.Errorf("cluster %s, %s: %s: %v: %s", cluster, pod, strings.Join(cmd, " "), err, strings.TrimSpace(string(errOut)))
	}
	return node.ParseCiliumServices(out)
}
