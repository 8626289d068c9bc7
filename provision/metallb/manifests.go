// Package metallb renders netlab's own MetalLB install: CustomResourceDefinitions generated from
// MetalLB's Go API types, RBAC written for what the v0.16.1 controller and speaker actually do, the
// controller Deployment and speaker DaemonSet (L2 mode, no webhooks, no FRR), and the address pool
// objects from the plan. Everything is returned as unstructured objects in apply order, for
// server-side apply.
package metallb

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/kube"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const (
	// Namespace is where MetalLB runs and where its configuration objects live.
	Namespace = "metallb-system"
	// ControllerName names the controller's Deployment, ServiceAccount and roles.
	ControllerName = "controller"
	// SpeakerName names the speaker's DaemonSet, ServiceAccount and roles.
	SpeakerName = "speaker"
	// MemberlistSecret holds the key that encrypts the speakers' memberlist traffic.
	MemberlistSecret = "memberlist"
	// memberlistKey is the key in MemberlistSecret the speaker reads (k8s.MLSecretKeyName).
	memberlistKey = "secretkey"
	// memberlistMount is where the speaker finds the secret (METALLB_ML_SECRET_KEY_PATH).
	memberlistMount = "/etc/ml_secret_key"
	// MemberlistPort is the speakers' memberlist port, TCP and UDP, on the node.
	MemberlistPort = 7946
	// MetricsPort is the HTTPS metrics port of both components (their --port default).
	MetricsPort = 9120
	// HealthPort is the components' health-probe port (/healthz, /readyz; k8s.DefaultHealthProbePort).
	HealthPort = 17472
	// PoolName is the IPAddressPool netlab creates from the plan.
	PoolName = "netlab-pool"
	// L2AdvertisementName is the L2Advertisement that announces PoolName.
	L2AdvertisementName = "netlab-l2"
	// AnnounceInterface is the node interface on the VPC network in a kind node: Docker names a
	// container's first network eth0. Speakers answer ARP for pool addresses there only.
	AnnounceInterface = "eth0"
)

// speakerLabels select speaker Pods; memberlist finds its peers with the same selector.
var speakerLabels = map[string]string{"app": "metallb", "component": SpeakerName}

var controllerLabels = map[string]string{"app": "metallb", "component": ControllerName}

// labels are the labels on every object netlab renders; component may be empty.
func labels(component string) map[string]string {
	l := map[string]string{
		"app":                          "metallb",
		"app.kubernetes.io/name":       "metallb",
		"app.kubernetes.io/version":    Version,
		"app.kubernetes.io/managed-by": "netlab",
	}
	if component != "" {
		l["component"] = component
	}
	return l
}

// NewSecretKey returns a fresh memberlist key: 128 random bits, base64 without padding, the same
// shape MetalLB's controller would generate. Keep it per lab (a new key on every `up` would split
// running speakers from restarted ones until all restart).
func NewSecretKey() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawStdEncoding.EncodeToString(b), nil
}

// Objects returns the MetalLB install for one cluster in apply order: CRDs, the namespace, the
// memberlist secret, ServiceAccounts, RBAC, the controller Deployment and the speaker DaemonSet.
// The output depends only on c and secretKey. Apply PoolObjects once the controller is available.
func Objects(c plan.ClusterPlan, secretKey string) ([]*unstructured.Unstructured, error) {
	if c.MetalLB == nil {
		return nil, fmt.Errorf("metallb: cluster %s has no metallb in its plan", c.Name)
	}
	if secretKey == "" {
		return nil, errors.New("metallb: empty memberlist secret key")
	}
	crds, err := CRDs()
	if err != nil {
		return nil, err
	}
	var objs []runtime.Object
	for _, crd := range crds {
		objs = append(objs, crd)
	}
	objs = append(objs,
		namespace(),
		&corev1.Secret{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: meta(MemberlistSecret, ""),
			Type:       corev1.SecretTypeOpaque,
			Data:       map[string][]byte{memberlistKey: []byte(secretKey)},
		},
		serviceAccount(ControllerName),
		serviceAccount(SpeakerName),
	)
	objs = append(objs, rbac()...)
	objs = append(objs, controllerDeployment(), speakerDaemonSet(c))
	return metallbObjects(objs)
}

func meta(name, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: Namespace, Labels: labels(component)}
}

func namespace() *corev1.Namespace {
	l := labels("")
	// The speaker needs host networking and NET_RAW: the privileged Pod Security level.
	for _, mode := range []string{"enforce", "audit", "warn"} {
		l["pod-security.kubernetes.io/"+mode] = "privileged"
	}
	return &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: Namespace, Labels: l},
	}
}

func serviceAccount(component string) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: meta(component, component),
	}
}

func controllerDeployment() *appsv1.Deployment {
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta(ControllerName, ControllerName),
		Spec: appsv1.DeploymentSpec{
			Replicas:             ptr(int32(1)),
			RevisionHistoryLimit: ptr(int32(3)),
			Selector:             &metav1.LabelSelector{MatchLabels: controllerLabels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels(ControllerName)},
				Spec: corev1.PodSpec{
					ServiceAccountName:            ControllerName,
					TerminationGracePeriodSeconds: ptr(int64(0)),
					NodeSelector:                  map[string]string{"kubernetes.io/os": "linux"},
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot: ptr(true),
						RunAsUser:    ptr(int64(65534)),
						FSGroup:      ptr(int64(65534)),
					},
					Containers: []corev1.Container{{
						Name:            ControllerName,
						Image:           ControllerImage,
						ImagePullPolicy: corev1.PullIfNotPresent,
						Args: []string{
							fmt.Sprintf("--port=%d", MetricsPort),
							"--log-level=info",
							// No validating webhook, no conversion webhook, no certificates: netlab
							// writes only objects it generated and validated against the schemas.
							"--webhook-mode=disabled",
						},
						// No METALLB_ML_SECRET_NAME: netlab creates the memberlist secret itself.
						Env: []corev1.EnvVar{
							fieldEnv("METALLB_NAMESPACE", "metadata.namespace"),
							fieldEnv("METALLB_POD_NAME", "metadata.name"),
						},
						Ports: []corev1.ContainerPort{
							{Name: "monitoring", ContainerPort: MetricsPort, Protocol: corev1.ProtocolTCP},
							{Name: "health", ContainerPort: HealthPort, Protocol: corev1.ProtocolTCP},
						},
						LivenessProbe:  probe("/healthz", "", 30),
						ReadinessProbe: probe("/readyz", "", 3),
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: ptr(false),
							ReadOnlyRootFilesystem:   ptr(true),
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
					}},
				},
			},
		},
	}
}

func speakerDaemonSet(c plan.ClusterPlan) *appsv1.DaemonSet {
	args := []string{fmt.Sprintf("--port=%d", MetricsPort), "--log-level=info"}
	if !hasWorkers(c) {
		// kind labels control-plane nodes node.kubernetes.io/exclude-from-external-load-balancers;
		// with no workers no node would announce, so the speaker must ignore that label.
		args = append(args, "--ignore-exclude-lb")
	}
	return &appsv1.DaemonSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: meta(SpeakerName, SpeakerName),
		Spec: appsv1.DaemonSetSpec{
			RevisionHistoryLimit: ptr(int32(3)),
			Selector:             &metav1.LabelSelector{MatchLabels: speakerLabels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels(SpeakerName)},
				Spec: corev1.PodSpec{
					ServiceAccountName:            SpeakerName,
					TerminationGracePeriodSeconds: ptr(int64(2)),
					// ARP replies must leave from the node's own interface on the VPC network.
					HostNetwork:  true,
					NodeSelector: map[string]string{"kubernetes.io/os": "linux"},
					Tolerations: []corev1.Toleration{
						{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
						{Key: "node-role.kubernetes.io/master", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
					},
					Containers: []corev1.Container{{
						Name:            SpeakerName,
						Image:           SpeakerImage,
						ImagePullPolicy: corev1.PullIfNotPresent,
						Args:            args,
						Env: []corev1.EnvVar{
							fieldEnv("METALLB_NODE_NAME", "spec.nodeName"),
							fieldEnv("METALLB_POD_NAME", "metadata.name"),
							fieldEnv("METALLB_NAMESPACE", "metadata.namespace"),
							// Deprecated in v0.16 and unused, set for older speakers' sake.
							fieldEnv("METALLB_HOST", "status.hostIP"),
							// Memberlist: fast dead-node detection among speakers, on the node address.
							fieldEnv("METALLB_ML_BIND_ADDR", "status.podIP"),
							{Name: "METALLB_ML_BIND_PORT", Value: fmt.Sprint(MemberlistPort)},
							{Name: "METALLB_ML_LABELS", Value: "app=metallb,component=speaker"},
							{Name: "METALLB_ML_SECRET_KEY_PATH", Value: memberlistMount},
						},
						Ports: []corev1.ContainerPort{
							{Name: "monitoring", ContainerPort: MetricsPort, Protocol: corev1.ProtocolTCP},
							{Name: "memberlist-tcp", ContainerPort: MemberlistPort, Protocol: corev1.ProtocolTCP},
							{Name: "memberlist-udp", ContainerPort: MemberlistPort, Protocol: corev1.ProtocolUDP},
						},
						// The speaker binds its health endpoint to 127.0.0.1 only; with host
						// networking the kubelet shares that address.
						LivenessProbe:  probe("/healthz", "127.0.0.1", 30),
						ReadinessProbe: probe("/readyz", "127.0.0.1", 3),
						VolumeMounts: []corev1.VolumeMount{
							{Name: "memberlist", MountPath: memberlistMount, ReadOnly: true},
						},
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: ptr(false),
							ReadOnlyRootFilesystem:   ptr(true),
							Capabilities: &corev1.Capabilities{
								Drop: []corev1.Capability{"ALL"},
								// Raw sockets for ARP (and NDP) replies.
								Add: []corev1.Capability{"NET_RAW"},
							},
						},
					}},
					Volumes: []corev1.Volume{{
						Name: "memberlist",
						VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
							SecretName: MemberlistSecret, DefaultMode: ptr(int32(0o420)),
						}},
					}},
				},
			},
		},
	}
}

func hasWorkers(c plan.ClusterPlan) bool {
	for _, n := range c.Nodes {
		if n.Role == "worker" {
			return true
		}
	}
	return false
}

func fieldEnv(name, path string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}}
}

func probe(path, host string, initialDelay int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: path, Host: host, Port: intstr.FromInt32(HealthPort), Scheme: corev1.URISchemeHTTP,
		}},
		InitialDelaySeconds: initialDelay,
		PeriodSeconds:       5,
		TimeoutSeconds:      1,
		FailureThreshold:    3,
	}
}

// metallbObjects converts the typed objects for Apply (kube.Unstructured), naming MetalLB in errors.
func metallbObjects(objs []runtime.Object) ([]*unstructured.Unstructured, error) {
	out, err := kube.Unstructured(objs)
	if err != nil {
		return nil, fmt.Errorf("metallb: %w", err)
	}
	return out, nil
}
