// Package flannel renders netlab's own Flannel install for a planned cluster: flanneld in
// --kube-subnet-mgr mode (Node.spec.podCIDR from the controller manager), the flannel CNI shim
// delegating to the bridge plugin (cni0) with host-local IPAM, and the VXLAN or host-gw backend.
//
// The objects follow the shape of upstream's kube-flannel manifest (a namespace, RBAC for reading
// nodes and patching their status, a ConfigMap with the CNI and network configuration, and a
// hostNetwork DaemonSet whose init containers install the shim and the CNI config), written here
// for netlab and pinned to the image references in package images.
package flannel

import (
	"encoding/json"
	"fmt"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/images"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Names of the objects, for waits and checks.
const (
	Namespace = "kube-flannel"
	DaemonSet = "kube-flannel-ds"
	ConfigMap = "kube-flannel-cfg"
	// Interface is the VXLAN device flanneld creates on each node.
	Interface = "flannel.1"
	// Bridge is the node bridge the CNI shim's delegate (the bridge plugin) creates.
	Bridge = "cni0"
)

// Images are what the install runs.
func Images() []string { return []string{images.Flannel, images.FlannelCNIPlugin} }

// netConf is flanneld's net-conf.json.
type netConf struct {
	Network string  `json:"Network"`
	Backend backend `json:"Backend"`
}

type backend struct {
	Type string `json:"Type"`
	Port int    `json:"Port,omitempty"`
}

// NetConf renders net-conf.json for the cluster: its Pod CIDR and backend (vxlan with the plan's
// port, or host-gw).
func NetConf(c plan.ClusterPlan) (string, error) {
	nc := netConf{Network: c.PodCIDR.String()}
	switch c.CNI.Mode {
	case "vxlan":
		nc.Backend = backend{Type: "vxlan", Port: c.CNI.VXLANPort}
	case "host-gw":
		nc.Backend = backend{Type: "host-gw"}
	default:
		return "", fmt.Errorf("flannel has no mode %q", c.CNI.Mode)
	}
	b, err := json.MarshalIndent(nc, "", "  ")
	return string(b), err
}

// cniConf is the CNI network list installed on every node: the flannel shim (which reads
// /run/flannel/subnet.env and delegates to the bridge plugin) and portmap for hostPorts.
const cniConf = `{
  "name": "cbr0",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "flannel",
      "delegate": {
        "hairpinMode": true,
        "isDefaultGateway": true
      }
    },
    {
      "type": "portmap",
      "capabilities": {
        "portMappings": true
      }
    }
  ]
}
`

// Objects renders the install, in apply order.
func Objects(c plan.ClusterPlan) ([]*unstructured.Unstructured, error) {
	if c.CNI.Type != "flannel" {
		return nil, fmt.Errorf("cluster %s uses %s, not flannel", c.Name, c.CNI.Type)
	}
	nc, err := NetConf(c)
	if err != nil {
		return nil, err
	}
	labels := map[string]any{"app": "flannel", "k8s-app": "flannel", "tier": "node"}
	hostPath := func(name, path, typ string) map[string]any {
		hp := map[string]any{"path": path}
		if typ != "" {
			hp["type"] = typ
		}
		return map[string]any{"name": name, "hostPath": hp}
	}
	objs := []map[string]any{
		{
			"apiVersion": "v1", "kind": "Namespace",
			"metadata": map[string]any{"name": Namespace, "labels": map[string]any{"k8s-app": "flannel", "pod-security.kubernetes.io/enforce": "privileged"}},
		},
		{
			"apiVersion": "v1", "kind": "ServiceAccount",
			"metadata": map[string]any{"name": "flannel", "namespace": Namespace},
		},
		{
			"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
			"metadata": map[string]any{"name": "flannel"},
			"rules": []any{
				map[string]any{"apiGroups": []any{""}, "resources": []any{"pods"}, "verbs": []any{"get"}},
				map[string]any{"apiGroups": []any{""}, "resources": []any{"nodes"}, "verbs": []any{"get", "list", "watch"}},
				map[string]any{"apiGroups": []any{""}, "resources": []any{"nodes/status"}, "verbs": []any{"patch"}},
			},
		},
		{
			"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
			"metadata": map[string]any{"name": "flannel"},
			"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "flannel"},
			"subjects": []any{map[string]any{"kind": "ServiceAccount", "name": "flannel", "namespace": Namespace}},
		},
		{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": ConfigMap, "namespace": Namespace, "labels": labels},
			"data":     map[string]any{"cni-conf.json": cniConf, "net-conf.json": nc + "\n"},
		},
		{
			"apiVersion": "apps/v1", "kind": "DaemonSet",
			"metadata": map[string]any{"name": DaemonSet, "namespace": Namespace, "labels": labels},
			"spec": map[string]any{
				"selector": map[string]any{"matchLabels": map[string]any{"app": "flannel"}},
				"template": map[string]any{
					"metadata": map[string]any{"labels": labels},
					"spec": map[string]any{
						"hostNetwork":        true,
						"priorityClassName":  "system-node-critical",
						"serviceAccountName": "flannel",
						"tolerations":        []any{map[string]any{"operator": "Exists", "effect": "NoSchedule"}},
						"initContainers": []any{
							map[string]any{
								"name": "install-cni-plugin", "image": images.FlannelCNIPlugin, "imagePullPolicy": "IfNotPresent",
								"command": []any{"cp"}, "args": []any{"-f", "/flannel", "/opt/cni/bin/flannel"},
								"volumeMounts": []any{map[string]any{"name": "cni-plugin", "mountPath": "/opt/cni/bin"}},
							},
							map[string]any{
								"name": "install-cni", "image": images.Flannel, "imagePullPolicy": "IfNotPresent",
								"command": []any{"cp"}, "args": []any{"-f", "/etc/kube-flannel/cni-conf.json", "/etc/cni/net.d/10-flannel.conflist"},
								"volumeMounts": []any{
									map[string]any{"name": "cni", "mountPath": "/etc/cni/net.d"},
									map[string]any{"name": "flannel-cfg", "mountPath": "/etc/kube-flannel/"},
								},
							},
						},
						"containers": []any{
							map[string]any{
								"name": "kube-flannel", "image": images.Flannel, "imagePullPolicy": "IfNotPresent",
								"command": []any{"/opt/bin/flanneld"},
								"args":    []any{"--ip-masq", "--kube-subnet-mgr"},
								"env": []any{
									map[string]any{"name": "POD_NAME", "valueFrom": map[string]any{"fieldRef": map[string]any{"fieldPath": "metadata.name"}}},
									map[string]any{"name": "POD_NAMESPACE", "valueFrom": map[string]any{"fieldRef": map[string]any{"fieldPath": "metadata.namespace"}}},
									map[string]any{"name": "EVENT_QUEUE_DEPTH", "value": "5000"},
								},
								"resources": map[string]any{"requests": map[string]any{"cpu": "50m", "memory": "50Mi"}},
								"securityContext": map[string]any{
									"privileged":   false,
									"capabilities": map[string]any{"add": []any{"NET_ADMIN", "NET_RAW"}},
								},
								"volumeMounts": []any{
									map[string]any{"name": "run", "mountPath": "/run/flannel"},
									map[string]any{"name": "flannel-cfg", "mountPath": "/etc/kube-flannel/"},
									map[string]any{"name": "xtables-lock", "mountPath": "/run/xtables.lock"},
								},
							},
						},
						"volumes": []any{
							hostPath("run", "/run/flannel", ""),
							hostPath("cni-plugin", "/opt/cni/bin", ""),
							hostPath("cni", "/etc/cni/net.d", ""),
							map[string]any{"name": "flannel-cfg", "configMap": map[string]any{"name": ConfigMap}},
							hostPath("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
						},
					},
				},
			},
		},
	}
	out := make([]*unstructured.Unstructured, len(objs))
	for i, o := range objs {
		out[i] = &unstructured.Unstructured{Object: o}
	}
	return out, nil
}
