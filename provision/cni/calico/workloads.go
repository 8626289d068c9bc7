package calico

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/images"
)

func value(name, v string) corev1.EnvVar { return corev1.EnvVar{Name: name, Value: v} }

func fromConfig(name, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: ConfigMap}, Key: key,
	}}}
}

func fromField(name, path string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}}
}

func hostPath(name, path string, typ corev1.HostPathType) corev1.Volume {
	hp := &corev1.HostPathVolumeSource{Path: path}
	if typ != "" {
		hp.Type = &typ
	}
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{HostPath: hp}}
}

func mount(name, path string) corev1.VolumeMount {
	return corev1.VolumeMount{Name: name, MountPath: path}
}

func exec(cmd ...string) corev1.ProbeHandler {
	return corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: cmd}}
}

// NodeEnv is calico-node's environment for cluster c: the Kubernetes datastore, the VXLAN backend
// (no BGP daemon), no default pool (netlab writes the pools), the node's address from eth0 (a kind
// node's only uplink), the MTU from the ConfigMap, Felix's health endpoint for the probes, no BPF
// clean-up, and Felix on nftables when kube-proxy is.
func NodeEnv(c plan.ClusterPlan) []corev1.EnvVar {
	env := []corev1.EnvVar{
		value("DATASTORE_TYPE", "kubernetes"),
		value("WAIT_FOR_DATASTORE", "true"),
		fromField("NODENAME", "spec.nodeName"),
		fromConfig("CALICO_NETWORKING_BACKEND", "calico_backend"),
		value("CLUSTER_TYPE", clusterType(c)),
		value("IP", "autodetect"),
		value("IP_AUTODETECTION_METHOD", "interface=eth0"),
		value("NO_DEFAULT_POOLS", "true"),
		fromConfig("FELIX_VXLANMTU", "veth_mtu"),
		fromConfig("FELIX_IPINIPMTU", "veth_mtu"),
		fromConfig("FELIX_WIREGUARDMTU", "veth_mtu"),
		value("CALICO_DISABLE_FILE_LOGGING", "true"),
		value("FELIX_DEFAULTENDPOINTTOHOSTACTION", "ACCEPT"),
		value("FELIX_IPV6SUPPORT", "false"),
		value("FELIX_HEALTHENABLED", "true"),
		value("FELIX_XDPENABLED", "false"),
		// No syslog in the container: log to stdout only.
		value("FELIX_LOGSEVERITYSYS", "none"),
		// Outside BPF mode Felix first removes a BPF connect-time load balancer left from an
		// earlier BPF run. A calico-node built without cgo (the hermetic image) has no libbpf and
		// panics there; a lab's node never ran BPF mode, so there is nothing to remove. Seen live:
		// "panic: LIBBPF syscall stub" in bpf/nat.RemoveConnectTimeLoadBalancer.
		value("FELIX_DebugSkipCTLBCleanup", "true"),
	}
	if felixBackend(c) == "nftables" {
		env = append(env, value("FELIX_NFTABLESMODE", "Enabled"))
	}
	return env
}

// clusterType is "k8s", and "k8s,bgp" when BIRD runs (upstream's manifests set it so in every mode).
func clusterType(c plan.ClusterPlan) string {
	if backend(c) == "bird" {
		return "k8s,bgp"
	}
	return "k8s"
}

// probe is calico-node's liveness or readiness command: Felix's, and BIRD's beside it when BIRD
// runs (kind is "live" or "ready").
func probe(c plan.ClusterPlan, kind string) corev1.ProbeHandler {
	cmd := []string{"/bin/calico-node", "-felix-" + kind}
	if backend(c) == "bird" {
		cmd = append(cmd, "-bird-"+kind)
	}
	return exec(cmd...)
}

func nodeDaemonSet(c plan.ClusterPlan) *appsv1.DaemonSet {
	privileged := true
	maxUnavailable := intstr.FromInt32(1)
	var grace int64
	l := labels(DaemonSet)
	installCNI := corev1.Container{
		Name: "install-cni", Image: images.CalicoCNI, ImagePullPolicy: corev1.PullIfNotPresent,
		Command: []string{"/opt/cni/bin/install"},
		Env: []corev1.EnvVar{
			value("CNI_CONF_NAME", "10-calico.conflist"),
			fromConfig("CNI_NETWORK_CONFIG", "cni_network_config"),
			fromField("KUBERNETES_NODE_NAME", "spec.nodeName"),
			fromConfig("CNI_MTU", "veth_mtu"),
			value("SLEEP", "false"),
		},
		VolumeMounts:    []corev1.VolumeMount{mount("cni-bin-dir", "/host/opt/cni/bin"), mount("cni-net-dir", "/host/etc/cni/net.d")},
		SecurityContext: &corev1.SecurityContext{Privileged: &privileged},
	}
	node := corev1.Container{
		Name: "calico-node", Image: images.CalicoNode, ImagePullPolicy: corev1.PullIfNotPresent,
		Env:             NodeEnv(c),
		SecurityContext: &corev1.SecurityContext{Privileged: &privileged},
		Resources:       corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")}},
		Lifecycle:       &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"/bin/calico-node", "-shutdown"}}}},
		LivenessProbe: &corev1.Probe{ProbeHandler: probe(c, "live"),
			PeriodSeconds: 10, InitialDelaySeconds: 10, FailureThreshold: 6, TimeoutSeconds: 10},
		ReadinessProbe: &corev1.Probe{ProbeHandler: probe(c, "ready"), PeriodSeconds: 10, TimeoutSeconds: 10},
		VolumeMounts: []corev1.VolumeMount{
			mount("cni-net-dir", "/host/etc/cni/net.d"),
			{Name: "lib-modules", MountPath: "/lib/modules", ReadOnly: true},
			mount("xtables-lock", "/run/xtables.lock"),
			mount("var-run-calico", "/var/run/calico"),
			mount("var-lib-calico", "/var/lib/calico"),
			mount("policysync", "/var/run/nodeagent"),
			{Name: "cni-log-dir", MountPath: "/var/log/calico/cni", ReadOnly: true},
		},
	}
	return &appsv1.DaemonSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: metav1.ObjectMeta{Name: DaemonSet, Namespace: Namespace, Labels: l},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: l},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &maxUnavailable}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: l},
				Spec: corev1.PodSpec{
					NodeSelector:       map[string]string{"kubernetes.io/os": "linux"},
					HostNetwork:        true,
					ServiceAccountName: DaemonSet,
					PriorityClassName:  "system-node-critical",
					SecurityContext:    &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
					// calico-node's preStop drains it; the Pod need not wait beyond that.
					TerminationGracePeriodSeconds: &grace,
					Tolerations: []corev1.Toleration{
						{Effect: corev1.TaintEffectNoSchedule, Operator: corev1.TolerationOpExists},
						{Key: "CriticalAddonsOnly", Operator: corev1.TolerationOpExists},
						{Effect: corev1.TaintEffectNoExecute, Operator: corev1.TolerationOpExists},
					},
					InitContainers: []corev1.Container{installCNI},
					Containers:     []corev1.Container{node},
					Volumes: []corev1.Volume{
						hostPath("lib-modules", "/lib/modules", ""),
						hostPath("var-run-calico", "/var/run/calico", corev1.HostPathDirectoryOrCreate),
						hostPath("var-lib-calico", "/var/lib/calico", corev1.HostPathDirectoryOrCreate),
						hostPath("xtables-lock", "/run/xtables.lock", corev1.HostPathFileOrCreate),
						hostPath("cni-bin-dir", "/opt/cni/bin", corev1.HostPathDirectoryOrCreate),
						hostPath("cni-net-dir", "/etc/cni/net.d", ""),
						hostPath("cni-log-dir", "/var/log/calico/cni", ""),
						hostPath("policysync", "/var/run/nodeagent", corev1.HostPathDirectoryOrCreate),
					},
				},
			},
		},
	}
}

// kubeControllers runs Calico's node controller only (IPAM garbage collection for deleted nodes);
// its load-balancer controller is left off, as MetalLB hands out the lab's LoadBalancer addresses.
func kubeControllers() *appsv1.Deployment {
	replicas := int32(1)
	nonRoot := true
	l := labels(KubeControllers)
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: KubeControllers, Namespace: Namespace, Labels: l},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Selector: &metav1.LabelSelector{MatchLabels: l},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: l},
				Spec: corev1.PodSpec{
					NodeSelector:       map[string]string{"kubernetes.io/os": "linux"},
					ServiceAccountName: KubeControllers,
					PriorityClassName:  "system-cluster-critical",
					SecurityContext:    &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
					Tolerations: []corev1.Toleration{
						{Key: "CriticalAddonsOnly", Operator: corev1.TolerationOpExists},
						{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule},
					},
					Containers: []corev1.Container{{
						Name: KubeControllers, Image: images.CalicoKubeControllers, ImagePullPolicy: corev1.PullIfNotPresent,
						Env: []corev1.EnvVar{value("ENABLED_CONTROLLERS", "node"), value("DATASTORE_TYPE", "kubernetes")},
						LivenessProbe: &corev1.Probe{ProbeHandler: exec("/usr/bin/check-status", "-l"),
							PeriodSeconds: 10, InitialDelaySeconds: 10, FailureThreshold: 6, TimeoutSeconds: 10},
						ReadinessProbe:  &corev1.Probe{ProbeHandler: exec("/usr/bin/check-status", "-r"), PeriodSeconds: 10, TimeoutSeconds: 10},
						SecurityContext: &corev1.SecurityContext{RunAsNonRoot: &nonRoot},
					}},
				},
			},
		},
	}
}
