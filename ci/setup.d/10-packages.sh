#!/usr/bin/env bash
# Debian packages the unit and datapath tests use. Idempotent: installs only what is missing.
set -euo pipefail
pkgs=(iproute2 iptables nftables conntrack iperf3 tcpdump debootstrap awscli)
need=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ "${#need[@]}" -eq 0 ]; then
	echo "packages: all present (${pkgs[*]})"
	exit 0
fi
echo "packages: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"
