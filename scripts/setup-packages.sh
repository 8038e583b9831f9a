#!/usr/bin/env bash
# Installs the Debian 12 (bookworm) packages Wrenn needs on a fresh machine; idempotent: when all
# are present it changes nothing, needs no root and does not touch the network.
#
#   qemu-system-x86 qemu-utils       the VMM and qemu-img (capsule overlays)
#   mmdebstrap e2fsprogs busybox-static cpio kmod zstd lz4
#                                    images/build.sh: root filesystems, ext4 images, initramfs,
#                                    the uncompressed kernel for Firecracker
#   socat                            poking at capsule sockets (agent, console, QMP) by hand and in tests
#   iproute2 nftables                capsule networks: namespaces, veth and tap devices, egress policy, NAT
#   clang clang-14 lld lld-14        NativeAOT (the guest agent): clang is its default linker driver;
#                                    in bookworm the clang and lld packages are the version-14 ones
#   postgresql                       the control plane's tests on PostgreSQL: each run starts a
#                                    throwaway cluster with its programs (no service is used)
#   swift swift-proxy swift-account swift-container swift-object memcached
#                                    the snapshot store's tests on a real S3 API: each test class
#                                    starts a throwaway OpenStack Swift cluster (its proxy with the
#                                    s3api middleware) and the memcached its tempauth needs; no service is used
#   chromium fonts-dejavu-core       the dashboard's browser tests and benchmark drive headless Chromium
#                                    (no browser is downloaded); the fonts make its screenshots legible
set -euo pipefail

readonly PACKAGES=(
    qemu-system-x86 qemu-utils
    mmdebstrap e2fsprogs busybox-static cpio kmod zstd lz4
    socat
    iproute2 nftables
    clang clang-14 lld lld-14
    postgresql
    swift swift-proxy swift-account swift-container swift-object memcached
    chromium fonts-dejavu-core
)

is_installed() {
    local status
    status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
    [[ $status == "install ok installed" ]]
}

missing_packages() {
    local package
    for package in "${PACKAGES[@]}"; do
        is_installed "$package" || printf '%s\n' "$package"
    done
}

warn_if_not_bookworm() {
    local codename=""
    if [[ -r /etc/os-release ]]; then
        codename=$(awk -F= '$1 == "VERSION_CODENAME" { gsub(/"/, "", $2); print $2 }' /etc/os-release)
    fi
    if [[ $codename != bookworm ]]; then
        printf 'setup-packages: warning: made for Debian 12 (bookworm), this is "%s"\n' "${codename:-unknown}" >&2
    fi
}

main() {
    local missing
    missing=$(missing_packages)
    if [[ -z $missing ]]; then
        printf 'setup-packages: all %d packages installed\n' "${#PACKAGES[@]}"
        return 0
    fi
    local -a install
    mapfile -t install <<<"$missing"
    warn_if_not_bookworm
    if ((EUID != 0)); then
        printf 'setup-packages: missing %s; run as root to install them\n' "${install[*]}" >&2
        return 1
    fi
    printf 'setup-packages: installing %s\n' "${install[*]}"
    # Package lists may be absent (fresh image) or stale: refresh them only now that apt is needed.
    apt-get update -qq
    # Use-Pty=0: plain dpkg output (no progress bars) in CI logs.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Use-Pty=0 "${install[@]}"
    missing=$(missing_packages)
    if [[ -n $missing ]]; then
        printf 'setup-packages: still missing after apt-get install: %s\n' "${missing//$'\n'/ }" >&2
        return 1
    fi
    printf 'setup-packages: installed %d packages\n' "${#install[@]}"
}

main "$@"
