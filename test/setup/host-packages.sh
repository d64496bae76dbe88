#!/usr/bin/env bash
# npm test's own set-up (the pretest script): installs the Debian packages the lab and the tests need,
# only those missing, so `npm install && npm test` works on a fresh machine without .ci/run.
# Where it cannot (not root, not Debian) it stops at once and prints the exact command to run.
# prometheus brings promtool (status --prometheus and the example alert rules are checked with it);
# dnsmasq-base (the binary, no service) serves the lab's endpoint names.
# DPKG_QUERY names another dpkg-query (tests point it at a fake one).
set -euo pipefail
PACKAGES=(ca-certificates debootstrap systemd-container dpkg-dev
  wireguard-tools wireguard-go iptables nftables iproute2 iputils-ping traceroute
  openssh-client openssh-server procps util-linux strace sudo tmux qemu-user-static libc6-arm64-cross
  prometheus dnsmasq-base)
query=${DPKG_QUERY:-dpkg-query}
missing=()
for p in "${PACKAGES[@]}"; do
  if ! "$query" -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then missing+=("$p"); fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
command="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if ! command -v apt-get >/dev/null || [ ! -f /etc/debian_version ]; then
  echo "npm test: missing host packages (${missing[*]}) and this is not Debian; install their equivalents, then rerun npm test" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "npm test: missing host packages; run as root:  $command" >&2
  exit 1
fi
[ -n "${WGSITE_SETUP_DRY_RUN:-}" ] && { echo "would run: $command"; exit 0; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
