#!/usr/bin/env bash
# ci/images/build.sh: builds every image a hermetic netlab lab runs, from Debian packages and Go
# modules only, with no registry: the kind node image (Kubernetes from its Go modules, on a Debian
# root), the Kubernetes component images under the names kubeadm asks for, Flannel, MetalLB and
# Calico under their upstream names. Versions come from provision/images (go run ./ci/images/versions).
#
# Every stage is cached in $NETLAB_IMAGE_CACHE (default /var/cache/netlab/images) and in Docker,
# keyed by the versions and by the sources that build it: a second run only checks and returns.
#
# Usage: ci/images/build.sh              build (or verify) the node image, Flannel and MetalLB
#        ci/images/build.sh calico       the same, and Calico's images
#        ci/images/build.sh conformance  the same, and the Kubernetes e2e suite's runner and test
#                                        images ('netlab conformance')
#        ci/images/build.sh istio        the same, and istiod and Istio's agent (proxyless: no Envoy)
#        ci/images/build.sh traefik      the same, and Traefik (the ingress and Gateway API controller)
#        NETLAB_IMAGE_CACHE=DIR ...      cache elsewhere
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
export PATH="/usr/local/go/bin:$PATH"
CACHE=${NETLAB_IMAGE_CACHE:-/var/cache/netlab/images}
WITH_CALICO=0
WITH_CONFORMANCE=0
WITH_ISTIO=0
WITH_TRAEFIK=0
for arg in "$@"; do
	case $arg in
	calico) WITH_CALICO=1 ;;
	conformance) WITH_CONFORMANCE=1 ;;
	istio) WITH_ISTIO=1 ;;
	traefik) WITH_TRAEFIK=1 ;;
	*)
		echo "usage: ci/images/build.sh [calico] [conformance] [istio] [traefik]" >&2
		exit 2
		;;
	esac
done
mkdir -p "$CACHE/src" "$CACHE/bin"
eval "$(go run ./ci/images/versions)"
export CGO_ENABLED=0 GOFLAGS=-mod=mod

declare -a T_NAMES=() T_SECS=()
timed() {
	local name=$1 start=$SECONDS
	shift
	echo "== images: $name"
	"$@"
	T_NAMES+=("$name")
	T_SECS+=($((SECONDS - start)))
}
report() {
	echo "== images: timing"
	for i in "${!T_NAMES[@]}"; do printf '   %-28s %5ss\n' "${T_NAMES[$i]}" "${T_SECS[$i]}"; done
}
trap report EXIT

key() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }
filekey() { (cd "$REPO" && find "$@" -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16; }
image_key() { docker image inspect -f '{{index .Config.Labels "netlab.build-key"}}' "$1" 2>/dev/null || true; }

# The Debian mirror is the one this host's apt already uses.
mirror() {
	local m
	m=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	[ -n "$m" ] || m=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
	if [ -z "$m" ]; then
		echo "images: cannot find this host's Debian mirror in /etc/apt" >&2
		exit 1
	fi
	echo "$m"
}

need_tools() {
	local missing=()
	for t in debootstrap docker go; do command -v "$t" >/dev/null || missing+=("$t"); done
	if [ "${#missing[@]}" -gt 0 ]; then
		if [[ " ${missing[*]} " == *" debootstrap "* ]]; then
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
		fi
		command -v docker >/dev/null || { echo "images: docker is missing; run ci/setup.d/20-docker.sh" >&2; exit 1; }
	fi
}

# debootstrap_root NAME "PKGS": a minbase Debian root as a tarball, cached by its package list.
debootstrap_root() {
	local name=$1 pkgs=$2 k tmp
	k=$(key bookworm "$pkgs" v2)
	ROOT_TAR="$CACHE/$name-root-$k.tar"
	if [ -f "$ROOT_TAR" ]; then
		echo "   $name root cached ($(basename "$ROOT_TAR"))"
		return
	fi
	tmp=$(mktemp -d "$CACHE/.root.XXXX")
	debootstrap --variant=minbase --include="$(echo "$pkgs" | tr ' ' ',')" bookworm "$tmp" "$(mirror)" >"$CACHE/$name-debootstrap.log" 2>&1 ||
		{ echo "debootstrap failed; see $CACHE/$name-debootstrap.log" >&2; tail -20 "$CACHE/$name-debootstrap.log" >&2; exit 1; }
	chroot "$tmp" update-alternatives --set iptables /usr/sbin/iptables-nft >/dev/null 2>&1 || true
	chroot "$tmp" update-alternatives --set ip6tables /usr/sbin/ip6tables-nft >/dev/null 2>&1 || true
	rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/var/cache/apt/*.bin "$tmp"/usr/share/doc "$tmp"/usr/share/man
	tar -C "$tmp" -cf "$ROOT_TAR.part" .
	mv "$ROOT_TAR.part" "$ROOT_TAR"
	rm -rf "$tmp"
	echo "   $name root built ($(du -h "$ROOT_TAR" | cut -f1))"
}

# The e2e suite's test images (agnhost, jessie-dnsutils, nginx, busybox) share one root with the tools
# the specs exec in them: a shell, curl, wget, nc, dig, nslookup, getent, ip, ping, nginx, busybox.
E2E_PKGS="curl wget netcat-openbsd bind9-dnsutils iproute2 iputils-ping procps nginx-light busybox ca-certificates"
# k8s.io/sample-apiserver (which test/e2e imports) is not served at every patch release: v0.33.13's
# zip answers 403, v0.33.5 is served and builds with the rest at v0.33.13.
SAMPLE_APISERVER_VERSION=v0.33.5
NODE_PKGS="systemd systemd-sysv dbus containerd runc containernetworking-plugins iptables nftables iproute2 ethtool socat conntrack ipset util-linux mount kmod procps ca-certificates libseccomp2 pigz"
SLIM_PKGS="iptables nftables conntrack ipset iproute2"

stage_roots() {
	debootstrap_root node "$NODE_PKGS"
	NODE_ROOT=$ROOT_TAR
	debootstrap_root slim "$SLIM_PKGS"
	SLIM_ROOT=$ROOT_TAR
	SLIM_IMAGE="netlab.local/slim-root:$(basename "$SLIM_ROOT" .tar | sed 's/^slim-root-//')"
	if ! docker image inspect "$SLIM_IMAGE" >/dev/null 2>&1; then
		docker import "$SLIM_ROOT" "$SLIM_IMAGE" >/dev/null
	fi
}

# wrapper_module DIR MODULE VERSION PKG...: a module that requires MODULE and imports the PKGs, so
# that 'go build' resolves a consistent graph (Kubernetes needs its staging replaces, etcd its
# siblings pinned).
wrapper_module() {
	local dir=$1 mod=$2 ver=$3
	shift 3
	mkdir -p "$dir"
	{
		echo "module netlab.local/build"
		echo
		echo "go 1.26"
		echo
		echo "require $mod $ver"
	} >"$dir/go.mod"
	{
		echo "//go:build tools"
		echo
		echo "package tools"
		echo
		echo "import ("
		for p in "$@"; do echo "	_ \"$p\""; done
		echo ")"
	} >"$dir/tools.go"
}

# k8s_module DIR PKG...: a wrapper module that requires k8s.io/kubernetes at K8S_VERSION and imports
# the PKGs, with each ./staging/src/k8s.io/X replace of Kubernetes' own go.mod turned into
# X => X v0.<minor>.<patch> (SAMPLE_APISERVER overrides that one module's version: the proxy does not
# serve every patch of it).
k8s_module() {
	local dir=$1 gomod staging m
	shift
	wrapper_module "$dir" k8s.io/kubernetes "$K8S_VERSION" "$@"
	(cd "$dir" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" >/dev/null)
	gomod=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | awk -F'"' '/"GoMod"/{print $4}')
	staging=$(go mod edit -json "$gomod" | awk -F'"' '/"Old"/{getline; print $4}' | grep '^k8s.io/' | sort -u)
	local v0="v0.${K8S_VERSION#v1.}"
	{
		echo "replace ("
		for m in $staging; do
			if [ "$m" = k8s.io/sample-apiserver ] && [ -n "${SAMPLE_APISERVER:-}" ]; then
				echo "	$m => $m $SAMPLE_APISERVER"
			else
				echo "	$m => $m $v0"
			fi
		done
		echo ")"
	} >>"$dir/go.mod"
	(cd "$dir" && go mod tidy)
}

# k8s_ldflags: the version stamps Kubernetes' own build sets.
k8s_ldflags() {
	local minor=${K8S_VERSION#v1.} ld="-s -w" p
	minor=${minor%%.*}
	for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=2026-01-01T00:00:00Z"
	done
	echo "$ld"
}

build_kubernetes() {
	local out=$1 dir=$CACHE/src/kubernetes-$K8S_VERSION
	local cmds=(kubelet kubeadm kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy)
	local pkgs=()
	for c in "${cmds[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
	k8s_module "$dir" "${pkgs[@]}"
	(cd "$dir" && go build -trimpath -ldflags "$(k8s_ldflags)" -o "$out/" "${pkgs[@]}")
}

# The e2e suite as upstream's conformance image carries it: e2e.test (the test binary of
# k8s.io/kubernetes/test/e2e, with every test package its e2e_test.go imports), go-runner (its
# entry point, kubeconformance), the ginkgo CLI at the version Kubernetes requires, and agnhost,
# the test image's one program. Same versions, flags and cgo setting as the Kubernetes binaries, so
# the Go build cache serves the packages they share.
build_conformance() {
	local out=$1 dir=$CACHE/src/conformance-$K8S_VERSION
	local e2e=k8s.io/kubernetes/test/e2e
	local pkgs=("$e2e" "$e2e/framework" k8s.io/kubernetes/test/conformance/image/go-runner k8s.io/kubernetes/test/images/agnhost github.com/onsi/ginkgo/v2/ginkgo)
	local p
	for p in apimachinery apps architecture auth autoscaling cloud common dra instrumentation kubectl lifecycle lifecycle/bootstrap network node scheduling storage storage/csimock storage/external windows feature framework/config framework/testfiles testing-manifests framework/debug/init framework/metrics/init framework/node/init; do
		pkgs+=("$e2e/$p")
	done
	pkgs+=(k8s.io/kubernetes/test/conformance/testdata k8s.io/kubernetes/test/fixtures k8s.io/kubernetes/test/utils/format)
	rm -rf "$dir"
	SAMPLE_APISERVER=$SAMPLE_APISERVER_VERSION k8s_module "$dir" "${pkgs[@]}"
	local ld
	ld=$(k8s_ldflags)
	(cd "$dir" &&
		go test -c -trimpath -ldflags "$ld" -o "$out/e2e.test" "$e2e" &&
		go build -trimpath -ldflags "-s -w" -o "$out/kubeconformance" k8s.io/kubernetes/test/conformance/image/go-runner &&
		go build -trimpath -ldflags "-s -w" -o "$out/ginkgo" github.com/onsi/ginkgo/v2/ginkgo &&
		go build -trimpath -ldflags "$ld" -o "$out/agnhost" k8s.io/kubernetes/test/images/agnhost)
}

build_etcd() {
	local out=$1 dir=$CACHE/src/etcd-$ETCD_VERSION
	# The server module's own requirements pin its sibling modules to released versions (its
	# relative replaces are ignored in a dependency), so requiring the server is enough.
	wrapper_module "$dir" go.etcd.io/etcd/server/v3 "v$ETCD_VERSION" go.etcd.io/etcd/server/v3
	(cd "$dir" && go mod tidy && go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3)
}

# go_install OUT NAME PKG@VERSION: go install into a private directory, then name the binary.
go_install() {
	local out=$1 name=$2 spec=$3 tmp
	tmp=$(mktemp -d)
	GOBIN=$tmp go install -trimpath -ldflags "-s -w" "$spec"
	mv "$tmp"/* "$out/$name"
	rmdir "$tmp"
}

# flanneld's main package links every backend. Two facts of the Go module proxy shape its build:
#  - the tencent-vpc backend's SDK submodules (tencentcloud/common v1.3.190, tencentcloud/vpc) are
#    not served; the monolithic SDK module (v3.0.233+incompatible) is, and provides the vpc package.
#    The wrapper pins common to a served version and points the vpc submodule path at an empty
#    local module, so the package resolves from the monolithic module. (A lab never uses that
#    backend; it only has to link.)
#  - the udp backend is cgo; like upstream, flanneld is built with cgo. It runs on the slim Debian
#    root, whose glibc matches this Debian build host.
build_flanneld() {
	local out=$1 dir=$CACHE/src/flannel-$FLANNEL_VERSION
	wrapper_module "$dir" github.com/flannel-io/flannel "$FLANNEL_VERSION" github.com/flannel-io/flannel
	mkdir -p "$dir/stub-tencent-vpc"
	printf 'module github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc\n\ngo 1.21\n' >"$dir/stub-tencent-vpc/go.mod"
	cat >>"$dir/go.mod" <<'MOD'

require github.com/tencentcloud/tencentcloud-sdk-go v3.0.233+incompatible

replace github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common => github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common v1.3.180

replace github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc => ./stub-tencent-vpc
MOD
	(cd "$dir" && go mod tidy &&
		CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X github.com/flannel-io/flannel/pkg/version.Version=$FLANNEL_VERSION" -o "$out/flanneld" github.com/flannel-io/flannel)
}

# MetalLB: netlab pins v0.16.1 (provision/images), not v0.16.2. v0.16.2 needs
# github.com/metallb/frr-k8s v0.0.27, which the Go module proxy does not serve (403), and no served
# frr-k8s has the API its speaker compiles against; v0.16.1 needs v0.0.25, which is served.
build_metallb() {
	local out=$1 dir=$CACHE/src/metallb-$METALLB_VERSION
	wrapper_module "$dir" go.universe.tf/metallb "$METALLB_VERSION" go.universe.tf/metallb/controller go.universe.tf/metallb/speaker
	(cd "$dir" && go mod tidy &&
		go build -trimpath -ldflags "-s -w" -o "$out/controller" go.universe.tf/metallb/controller &&
		go build -trimpath -ldflags "-s -w" -o "$out/speaker" go.universe.tf/metallb/speaker)
}

# Calico: ci/images/calico is a module of netlab's that pins the v3.31.0 release commit and its
# replaces, with a complete go.sum (the checksum database does not know several of those
# pseudo-versions, so go.sum is what verifies them). Built without cgo, like upstream's images.
# The standard CNI plug-ins the calico conflist chains (portmap, bandwidth) and the usual others
# come from containernetworking/plugins, at the version netlab's own module requires.
build_calico() {
	local out=$1 dir=$CACHE/src/calico-$CALICO_MODULE_VERSION
	local pkgs=(node/cmd/calico-node cni-plugin/cmd/calico cni-plugin/cmd/install kube-controllers/cmd/kube-controllers kube-controllers/cmd/check-status)
	rm -rf "$dir" && mkdir -p "$dir"
	cp ci/images/calico/go.mod ci/images/calico/go.sum ci/images/calico/tools.go "$dir/"
	(cd "$dir" && GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w -X github.com/projectcalico/calico/pkg/buildinfo.Version=$CALICO_VERSION" \
		-o "$out/" "${pkgs[@]/#/github.com/projectcalico/calico/}")
	local cni_ver
	cni_ver=$(go list -m -f '{{.Version}}' github.com/containernetworking/plugins)
	local tmp
	tmp=$(mktemp -d)
	GOBIN=$tmp GOFLAGS=-mod=mod go install -trimpath -ldflags "-s -w" \
		"github.com/containernetworking/plugins/plugins/meta/portmap@$cni_ver" \
		"github.com/containernetworking/plugins/plugins/meta/bandwidth@$cni_ver" \
		"github.com/containernetworking/plugins/plugins/meta/tuning@$cni_ver" \
		"github.com/containernetworking/plugins/plugins/main/loopback@$cni_ver" \
		"github.com/containernetworking/plugins/plugins/ipam/host-local@$cni_ver"
	mkdir -p "$out/cni-plugins"
	mv "$tmp"/* "$out/cni-plugins/"
	rmdir "$tmp"
}

# cached_binaries VAR NAME KEY BUILDER: sets VAR to the directory $CACHE/bin/NAME-KEY and, unless a
# finished build is there, compiles into it with BUILDER DIR (timed as "compile NAME").
cached_binaries() {
	local var=$1 name=$2 k=$3 builder=$4 dir=$CACHE/bin/$2-$3
	printf -v "$var" '%s' "$dir"
	if [ -f "$dir/.complete" ]; then
		echo "   $name binaries cached ($dir)"
		return
	fi
	rm -rf "$dir" && mkdir -p "$dir"
	timed "compile $name" "$builder" "$dir"
	touch "$dir/.complete"
}

# The Calico binaries have a key of their own, so that a Calico change rebuilds neither
# Kubernetes nor the rest, and a build that does not need Calico does not compile it.
stage_calico_binaries() {
	cached_binaries CALICO_BIN calico \
		"$(key "$CALICO_VERSION" "$CALICO_MODULE_VERSION" "$(filekey ci/images/calico go.mod)" "$(go version)")" build_calico
}

stage_binaries() {
	local k
	k=$(key "$K8S_VERSION" "$ETCD_VERSION" "$COREDNS_VERSION" "$FLANNEL_VERSION" "$FLANNEL_SHIM_VERSION" "$METALLB_VERSION" "$(filekey ci/images/pause ci/images/build.sh)" "$(go version)")
	BIN=$CACHE/bin/$k
	if [ -f "$BIN/.complete" ]; then
		echo "   binaries cached ($BIN)"
		return
	fi
	mkdir -p "$BIN"
	[ -x "$BIN/kube-proxy" ] || timed "compile kubernetes" build_kubernetes "$BIN"
	[ -x "$BIN/etcd" ] || timed "compile etcd" build_etcd "$BIN"
	[ -x "$BIN/coredns" ] || timed "compile coredns" go_install "$BIN" coredns "github.com/coredns/coredns@$COREDNS_VERSION"
	[ -x "$BIN/flanneld" ] || timed "compile flanneld" build_flanneld "$BIN"
	[ -x "$BIN/flannel-shim" ] || timed "compile flannel shim" go_install "$BIN" flannel-shim "github.com/containernetworking/plugins/plugins/meta/flannel@$FLANNEL_SHIM_VERSION"
	[ -x "$BIN/speaker" ] || timed "compile metallb" build_metallb "$BIN"
	[ -x "$BIN/pause" ] || go build -trimpath -ldflags "-s -w" -o "$BIN/pause" ./ci/images/pause
	touch "$BIN/.complete"
}

# dockerfile_image TAG KEY FILL [ARG...]: an image built from a context of its own, rebuilt only when
# its key changes. FILL CTX [ARG...] puts the files into the empty directory CTX and writes
# CTX/Dockerfile; the key's label is added here.
dockerfile_image() {
	local tag=$1 k=$2 fill=$3 ctx
	shift 3
	if [ "$(image_key "$tag")" = "$k" ]; then
		echo "   $tag cached"
		return
	fi
	ctx=$(mktemp -d)
	"$fill" "$ctx" "$@"
	echo "LABEL netlab.build-key=$k" >>"$ctx/Dockerfile"
	DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$ctx" >/dev/null
	rm -rf "$ctx"
	echo "   $tag built"
}

# image TAG KEY BASE ENTRYPOINT-JSON SRC:DEST...: a two-line image (FROM BASE, COPY the files),
# rebuilt only when its key changes; IMAGE_CMD=JSON in its environment adds a CMD.
image() {
	local tag=$1 k=$2
	shift 2
	dockerfile_image "$tag" "$k" copy_context "$@"
}

# copy_context CTX BASE ENTRYPOINT-JSON SRC:DEST...: image's context and Dockerfile.
copy_context() {
	local ctx=$1 base=$2 entry=$3
	shift 3
	{
		echo "FROM $base"
		for pair in "$@"; do
			cp "${pair%%:*}" "$ctx/$(basename "${pair%%:*}")"
			echo "COPY $(basename "${pair%%:*}") ${pair#*:}"
		done
		echo 'ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
		if [ -n "$entry" ]; then echo "ENTRYPOINT $entry"; fi
		if [ -n "${IMAGE_CMD:-}" ]; then echo "CMD $IMAGE_CMD"; fi
	} >"$ctx/Dockerfile"
}

stage_component_images() {
	local k
	k=$(key "$BIN" "$SLIM_IMAGE")
	image "$IMG_APISERVER" "$k" scratch '["/usr/local/bin/kube-apiserver"]' "$BIN/kube-apiserver:/usr/local/bin/kube-apiserver"
	image "$IMG_CONTROLLER_MANAGER" "$k" scratch '["/usr/local/bin/kube-controller-manager"]' "$BIN/kube-controller-manager:/usr/local/bin/kube-controller-manager"
	image "$IMG_SCHEDULER" "$k" scratch '["/usr/local/bin/kube-scheduler"]' "$BIN/kube-scheduler:/usr/local/bin/kube-scheduler"
	image "$IMG_ETCD" "$k" scratch '["/usr/local/bin/etcd"]' "$BIN/etcd:/usr/local/bin/etcd"
	image "$IMG_COREDNS" "$k" scratch '["/coredns"]' "$BIN/coredns:/coredns"
	image "$IMG_PAUSE" "$k" scratch '["/pause"]' "$BIN/pause:/pause"
	# kube-proxy and flanneld call iptables/nft: they run on the slim Debian root (nft backend).
	image "$IMG_PROXY" "$k" "$SLIM_IMAGE" '' "$BIN/kube-proxy:/usr/local/bin/kube-proxy"
	image "$IMG_FLANNEL" "$k" "$SLIM_IMAGE" '["/opt/bin/flanneld"]' "$BIN/flanneld:/opt/bin/flanneld"
	# The CNI shim image only needs cp (its init container copies /flannel to the node).
	image "$IMG_FLANNEL_CNI" "$k" "$SLIM_IMAGE" '' "$BIN/flannel-shim:/flannel"
	image "$IMG_METALLB_CONTROLLER" "$k" scratch '["/controller"]' "$BIN/controller:/controller"
	image "$IMG_METALLB_SPEAKER" "$k" scratch '["/speaker"]' "$BIN/speaker:/speaker"
}

# calico-node and the CNI installer run on the slim Debian root (Felix calls iptables, nft, ipset
# and ip; the installer only copies files); kube-controllers is FROM scratch, as user 999 with the
# writable /status its readiness probe reads.
stage_calico_images() {
	local k
	k=$(key "$CALICO_BIN" "$SLIM_IMAGE" "$(filekey ci/images/calico-node)")
	image "$IMG_CALICO_NODE" "$k" "$SLIM_IMAGE" '["/usr/sbin/start_runit"]' \
		"$CALICO_BIN/calico-node:/bin/calico-node" "ci/images/calico-node/start:/usr/sbin/start_runit"
	local plugins=()
	for p in "$CALICO_BIN"/cni-plugins/*; do plugins+=("$p:/opt/cni/bin/$(basename "$p")"); done
	image "$IMG_CALICO_CNI" "$k" "$SLIM_IMAGE" '["/opt/cni/bin/install"]' \
		"$CALICO_BIN/calico:/opt/cni/bin/calico" "$CALICO_BIN/calico:/opt/cni/bin/calico-ipam" \
		"$CALICO_BIN/install:/opt/cni/bin/install" "${plugins[@]}"
	dockerfile_image "$IMG_CALICO_KUBE_CONTROLLERS" "$k" kube_controllers_context
}

kube_controllers_context() {
	local ctx=$1
	cp "$CALICO_BIN/kube-controllers" "$CALICO_BIN/check-status" "$ctx/"
	mkdir "$ctx/status"
	cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY kube-controllers /usr/bin/kube-controllers
COPY check-status /usr/bin/check-status
COPY --chown=999:999 status /status
USER 999
ENTRYPOINT ["/usr/bin/kube-controllers"]
DOCKERFILE
}

# The e2e suite's binaries have a key of their own: a build that does not run 'netlab conformance'
# never compiles them.
stage_conformance_binaries() {
	cached_binaries CONF_BIN conformance \
		"$(key "$K8S_VERSION" "$SAMPLE_APISERVER_VERSION" "$(filekey ci/images/build.sh)" "$(go version)")" build_conformance
}

# agnhost as upstream's image lays it out (test/images/agnhost/Dockerfile): /agnhost and the
# /agnhost-2 link, /uploads for netexec, /coredns (the CoreDNS netlab builds), and a TLS key and
# certificate for porter's TLS ports at /localhost.crt and /localhost.key (the Proxy spec serves
# HTTPS from them). Upstream ships a key pair from its source tree; this one is generated here, as
# that one was: self-signed, for localhost, 127.0.0.1 and ::1. Nothing checks its issuer: the API
# server's proxy to a Pod does not verify the Pod's certificate.
agnhost_context() {
	local ctx=$1 base=$2
	cp "$CONF_BIN/agnhost" "$BIN/coredns" "$ctx/"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500 -subj /CN=localhost \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" -keyout "$ctx/localhost.key" -out "$ctx/localhost.crt" 2>/dev/null
	chmod 0644 "$ctx/localhost.key"
	mkdir "$ctx/uploads"
	cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $base
COPY agnhost coredns localhost.crt localhost.key /
COPY uploads /uploads
RUN ln -s agnhost /agnhost-2
ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EXPOSE 80 8080 8081 9376 5000
ENTRYPOINT ["/agnhost"]
CMD ["pause"]
DOCKERFILE
}

runner_context() {
	local ctx=$1
	cp "$CONF_BIN/kubeconformance" "$CONF_BIN/ginkgo" "$CONF_BIN/e2e.test" "$BIN/kubectl" "$ctx/"
	cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY ginkgo e2e.test kubectl kubeconformance /usr/local/bin/
ENV PATH=/usr/local/bin:/usr/bin:/bin
ENV E2E_FOCUS="\[Conformance\]" E2E_SKIP="" E2E_PROVIDER="local" E2E_PARALLEL="1" E2E_VERBOSITY="4" RESULTS_DIR="/tmp/results" KUBECONFIG=""
ENTRYPOINT ["kubeconformance"]
DOCKERFILE
}

# The runner is laid out as upstream's conformance image (test/conformance/image/Dockerfile): the
# same programs at the same paths, the same environment and entry point, so that netlab's Job runs
# either unchanged. It has no /kubernetes/cluster tree (non-Go files): the network specs do not
# read it. The test images run on the e2e Debian root, with upstream's entry points.
stage_conformance_images() {
	debootstrap_root e2e "$E2E_PKGS"
	local e2e_root=$ROOT_TAR
	local e2e_image="netlab.local/e2e-root:$(basename "$e2e_root" .tar | sed 's/^e2e-root-//')"
	if ! docker image inspect "$e2e_image" >/dev/null 2>&1; then
		docker import "$e2e_root" "$e2e_image" >/dev/null
	fi
	local k
	k=$(key "$CONF_BIN" "$BIN" "$e2e_image" "$(filekey ci/images/e2e)")
	dockerfile_image "$IMG_CONFORMANCE" "$k" runner_context
	dockerfile_image "$IMG_E2E_AGNHOST" "$k" agnhost_context "$e2e_image"
	IMAGE_CMD='["/bin/sh"]' image "$IMG_E2E_JESSIE_DNSUTILS" "$k" "$e2e_image" ''
	IMAGE_CMD='["nginx", "-g", "daemon off;"]' image "$IMG_E2E_NGINX" "$k" "$e2e_image" '' "ci/images/e2e/nginx.conf:/etc/nginx/nginx.conf"
	IMAGE_CMD='["sh"]' image "$IMG_E2E_BUSYBOX" "$k" "$e2e_image" ''
}

# Istio: istiod (pilot-discovery) and the agent (pilot-agent) from istio.io/istio at the module
# version netlab's go.mod pins (its manifests package is where the charts come from), without cgo
# and with the version stamp Istio's own build sets. Envoy is C++ and is not built: the agent image
# serves proxyless gRPC workloads only (the grpc-agent injection template sets DISABLE_ENVOY).
build_istio() {
	local out=$1 dir=$CACHE/src/istio-$ISTIO_MODULE_VERSION
	wrapper_module "$dir" istio.io/istio "$ISTIO_MODULE_VERSION" istio.io/istio/pilot/cmd/pilot-discovery istio.io/istio/pilot/cmd/pilot-agent
	local ld="-s -w -X istio.io/istio/pkg/version.buildVersion=$ISTIO_TAG -X istio.io/istio/pkg/version.buildGitRevision=${ISTIO_MODULE_VERSION##*-} -X istio.io/istio/pkg/version.buildStatus=Clean"
	(cd "$dir" && go mod tidy &&
		go build -trimpath -ldflags "$ld" -o "$out/pilot-discovery" istio.io/istio/pilot/cmd/pilot-discovery &&
		go build -trimpath -ldflags "$ld" -o "$out/pilot-agent" istio.io/istio/pilot/cmd/pilot-agent)
}

stage_istio_binaries() {
	cached_binaries ISTIO_BIN istio "$(key "$ISTIO_MODULE_VERSION" "$ISTIO_TAG" "$(filekey ci/images/build.sh)" "$(go version)")" build_istio
}

# Laid out as Istio's pilot and proxyv2 images (pilot/docker/Dockerfile.*): the programs in
# /usr/local/bin, user 1337. FROM scratch: both are static, and the agent's injected container
# runs 'pilot-agent wait' from PATH.
stage_istio_images() {
	local k
	k=$(key "$ISTIO_BIN")
	dockerfile_image "$IMG_ISTIO_PILOT" "$k" istio_context pilot-discovery
	dockerfile_image "$IMG_ISTIO_AGENT" "$k" istio_context pilot-agent
}

istio_context() {
	local ctx=$1 prog=$2
	cp "$ISTIO_BIN/$prog" "$ctx/"
	cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
COPY $prog /usr/local/bin/$prog
ENV PATH=/usr/local/bin
USER 1337:1337
ENTRYPOINT ["/usr/local/bin/$prog"]
DOCKERFILE
}

# Traefik: github.com/traefik/traefik/v3 at TRAEFIK_VERSION, with the replace and exclude lines of
# that version's own go.mod (forks of three modules; a tencentcloud module that makes an import
# ambiguous), which a wrapper module does not inherit. Its web dashboard is built with npm upstream
# and is empty here; routing does not use it.
build_traefik() {
	local out=$1 dir=$CACHE/src/traefik-$TRAEFIK_VERSION
	wrapper_module "$dir" github.com/traefik/traefik/v3 "$TRAEFIK_VERSION" github.com/traefik/traefik/v3/cmd/traefik
	cat >>"$dir/go.mod" <<'GOMOD'

replace (
	github.com/abbot/go-http-auth => github.com/containous/go-http-auth v0.4.1-0.20200324110947-a37a7636d23e
	github.com/gorilla/mux => github.com/containous/mux v0.0.0-20250523120546-41b6ec3aed59
	github.com/mailgun/minheap => github.com/containous/minheap v0.0.0-20190809180810-6e71eb837595
)

exclude github.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible
GOMOD
	(cd "$dir" && go mod tidy &&
		go build -trimpath -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=${TRAEFIK_VERSION#v}" \
			-o "$out/traefik" github.com/traefik/traefik/v3/cmd/traefik)
}

stage_traefik_binaries() {
	cached_binaries TRAEFIK_BIN traefik "$(key "$TRAEFIK_VERSION" "$(declare -f build_traefik)" "$(go version)")" build_traefik
}

# Laid out as upstream's image: the program at /usr/local/bin/traefik, its entry point, ports 80
# and 443 declared. FROM scratch: it is static, and in a cluster it reads the API server's CA from
# its service account.
stage_traefik_images() {
	dockerfile_image "$IMG_TRAEFIK" "$(key "$TRAEFIK_BIN")" traefik_context
}

traefik_context() {
	local ctx=$1
	cp "$TRAEFIK_BIN/traefik" "$ctx/"
	cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY traefik /usr/local/bin/traefik
ENV PATH=/usr/local/bin
EXPOSE 80 443
ENTRYPOINT ["/usr/local/bin/traefik"]
DOCKERFILE
}

stage_node_image() {
	local k
	k=$(key "$NODE_ROOT" "$BIN" "$(filekey ci/images/node)" "$(for i in $IMG_APISERVER $IMG_CONTROLLER_MANAGER $IMG_SCHEDULER $IMG_PROXY $IMG_ETCD $IMG_COREDNS $IMG_PAUSE; do image_key "$i"; done)")
	if [ "$(image_key "$NODE_IMAGE")" = "$k" ]; then
		echo "   $NODE_IMAGE cached"
		return
	fi
	local tmp=$CACHE/.node-$k
	rm -rf "$tmp" && mkdir -p "$tmp/root"
	tar -C "$tmp/root" -xf "$NODE_ROOT"
	cp -a ci/images/node/. "$tmp/root/"
	install -m 0755 "$BIN/kubelet" "$BIN/kubeadm" "$BIN/kubectl" "$tmp/root/usr/bin/"
	echo "$K8S_VERSION" >"$tmp/root/kind/version"
	mkdir -p "$tmp/root/opt/cni/bin" "$tmp/root/etc/cni/net.d" "$tmp/root/var/lib/kubelet"
	for p in "$tmp"/root/usr/lib/cni/*; do ln -sf "/usr/lib/cni/$(basename "$p")" "$tmp/root/opt/cni/bin/$(basename "$p")"; done
	local wants=$tmp/root/etc/systemd/system/multi-user.target.wants
	mkdir -p "$wants"
	ln -sf /etc/systemd/system/kubelet.service "$wants/kubelet.service"
	ln -sf /lib/systemd/system/containerd.service "$wants/containerd.service"
	for u in systemd-udevd.service systemd-udevd-kernel.socket systemd-udevd-control.socket systemd-modules-load.service getty@tty1.service console-getty.service systemd-timesyncd.service; do
		ln -sf /dev/null "$tmp/root/etc/systemd/system/$u"
	done
	tar -C "$tmp/root" -cf "$tmp/root.tar" .
	rm -rf "$tmp/root"
	docker import --change 'ENV container=docker' --change 'ENTRYPOINT ["/usr/local/bin/entrypoint","/sbin/init"]' \
		"$tmp/root.tar" "netlab.local/node-base:$k" >/dev/null
	rm -f "$tmp/root.tar"

	# Preload the component images into the node's containerd (namespace k8s.io) and pin them, in a
	# build container, then commit it.
	docker save -o "$tmp/images.tar" "$IMG_APISERVER" "$IMG_CONTROLLER_MANAGER" "$IMG_SCHEDULER" "$IMG_PROXY" "$IMG_ETCD" "$IMG_COREDNS" "$IMG_PAUSE"
	local b="netlab-nodebuild-$k"
	docker rm -f "$b" >/dev/null 2>&1 || true
	docker run -d --privileged --name "$b" --label netlab.dev/role=image-build --entrypoint /bin/sleep "netlab.local/node-base:$k" infinity >/dev/null
	trap 'docker rm -f '"$b"' >/dev/null 2>&1 || true; report' EXIT
	docker cp "$tmp/images.tar" "$b:/images.tar"
	docker exec "$b" sh -c 'containerd >/tmp/containerd.log 2>&1 &'
	for _ in $(seq 1 30); do docker exec "$b" ctr version >/dev/null 2>&1 && break; sleep 1; done
	docker exec "$b" ctr -n k8s.io images import --all-platforms /images.tar >/dev/null
	for i in $IMG_APISERVER $IMG_CONTROLLER_MANAGER $IMG_SCHEDULER $IMG_PROXY $IMG_ETCD $IMG_COREDNS $IMG_PAUSE; do
		docker exec "$b" ctr -n k8s.io images label "$i" io.cri-containerd.pinned=pinned >/dev/null
	done
	docker exec "$b" sh -c 'ctr -n k8s.io images ls -q' | sort
	docker exec "$b" sh -c 'pkill containerd; sleep 1; rm -f /images.tar /tmp/containerd.log; rm -rf /run/containerd'
	docker commit --change 'ENTRYPOINT ["/usr/local/bin/entrypoint","/sbin/init"]' --change 'CMD []' "$b" "netlab.local/node-preloaded:$k" >/dev/null
	docker rm -f "$b" >/dev/null
	trap report EXIT
	local ctx=$tmp/ctx
	mkdir -p "$ctx"
	printf 'FROM netlab.local/node-preloaded:%s\nSTOPSIGNAL SIGRTMIN+3\nLABEL netlab.build-key=%s\n' "$k" "$k" >"$ctx/Dockerfile"
	DOCKER_BUILDKIT=0 docker build -q -t "$NODE_IMAGE" "$ctx" >/dev/null
	docker rmi "netlab.local/node-preloaded:$k" "netlab.local/node-base:$k" >/dev/null 2>&1 || true
	rm -rf "$tmp"
	echo "   $NODE_IMAGE built ($(docker image inspect -f '{{.Size}}' "$NODE_IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
}

need_tools
timed "debian roots" stage_roots
timed "go binaries" stage_binaries
timed "component images" stage_component_images
timed "node image" stage_node_image
if [ "$WITH_CALICO" = 1 ]; then
	timed "calico binaries" stage_calico_binaries
	timed "calico images" stage_calico_images
fi
if [ "$WITH_CONFORMANCE" = 1 ]; then
	timed "conformance binaries" stage_conformance_binaries
	timed "conformance images" stage_conformance_images
fi
if [ "$WITH_ISTIO" = 1 ]; then
	timed "istio binaries" stage_istio_binaries
	timed "istio images" stage_istio_images
fi
if [ "$WITH_TRAEFIK" = 1 ]; then
	timed "traefik binaries" stage_traefik_binaries
	timed "traefik images" stage_traefik_images
fi
extra=""
[ "$WITH_CALICO" = 1 ] && extra+=", Calico"
[ "$WITH_ISTIO" = 1 ] && extra+=", istiod and Istio's agent"
[ "$WITH_TRAEFIK" = 1 ] && extra+=", Traefik"
[ "$WITH_CONFORMANCE" = 1 ] && extra+=", the e2e suite"
echo "== images: ready: $NODE_IMAGE, the component images$extra"
