#!/usr/bin/env bash
# Installs the system packages the tests need on Debian 12, as root: Mesa 25 lavapipe (Vulkan on
# the CPU, for WebGPU in Node; Debian 12's own Mesa 22 is rejected by Dawn) from bookworm-backports,
# and Debian's Chromium (WebGPU on SwiftShader, for browser tests). Does nothing when both are present.
set -euo pipefail

have_lavapipe() {
  local version
  version=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  [ -f /usr/share/vulkan/icd.d/lvp_icd.json ] && [ "${version%%.*}" -ge 25 ] 2>/dev/null
}

if have_lavapipe && [ -x /usr/bin/chromium ]; then
  echo "system packages: Mesa lavapipe $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) and $(/usr/bin/chromium --version 2>/dev/null) already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "Run as root (sudo bash $0): it installs mesa-vulkan-drivers from bookworm-backports and chromium." >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    > /etc/apt/sources.list.d/backports.sources
fi
apt-get update -qq
if ! have_lavapipe; then
  apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers
fi
if [ ! -x /usr/bin/chromium ]; then
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
fi
echo "system packages: installed Mesa lavapipe $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) and $(/usr/bin/chromium --version)"
