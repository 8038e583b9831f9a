#!/usr/bin/env bash
# Installs the Debian 12 (bookworm) packages Wrenn needs on a fresh machine; idempotent: when all
# are present it changes nothing, needs no root and does not touch the network.
#
#   scripts/setup-packages.sh            every package below (`make setup`, `make test`)
#   scripts/setup-packages.sh --run      the first two groups: building and serving (`make run`)
#   scripts/setup-packages.sh --images   the first group: what images/build.sh needs. `make` installs
#                                        it first, so the guest root filesystems (minutes of
#                                        mmdebstrap) start building while apt installs the rest
#
# Building the guest images:
#   mmdebstrap e2fsprogs busybox-static cpio kmod zstd lz4
#                                    images/build.sh: root filesystems, ext4 images, initramfs,
#                                    the uncompressed kernel for Firecracker
# Building and serving:
#   qemu-system-x86 qemu-utils       the VMM and qemu-img (capsule overlays)
#   iproute2 nftables                capsule networks: namespaces, veth and tap devices, egress policy, NAT
#   clang clang-14 lld lld-14        NativeAOT (the guest agent, the command line): clang is its
#                                    default linker driver; in bookworm the clang and lld packages
#                                    are the version-14 ones
# Tests, benchmarks and debugging (a first `make run` does without their minute of apt):
#   socat                            poking at capsule sockets (agent, console, QMP) by hand and in tests
#   postgresql                       the control plane's tests on PostgreSQL: each run starts a
#                                    throwaway cluster with its programs (no service is used)
#   swift swift-proxy swift-account swift-container swift-object memcached
#                                    the snapshot store's tests on a real S3 API: each test class
#                                    starts a throwaway OpenStack Swift cluster (its proxy with the
#                                    s3api middleware) and the memcached its tempauth needs; no service is used
#   chromium fonts-dejavu-core       the dashboard's browser tests and benchmark drive headless Chromium
#                                    (no browser is downloaded); the fonts make its screenshots legible
set -euo pipefail

readonly IMAGE_PACKAGES=(mmdebstrap e2fsprogs busybox-static cpio kmod zstd lz4)
readonly RUN_PACKAGES=(
    "${IMAGE_PACKAGES[@]}"
    qemu-system-x86 qemu-utils
    iproute2 nftables
    clang clang-14 lld lld-14
)
readonly ALL_PACKAGES=(
    "${RUN_PACKAGES[@]}"
    socat
    postgresql
    swift swift-proxy swift-account swift-container swift-object memcached
    chromium fonts-dejavu-core
)
# images/build.sh downloads the guest kernel through the host's apt (linux-image-cloud-amd64).
readonly KERNEL_METAPACKAGE=linux-image-cloud-amd64
PACKAGES=("${ALL_PACKAGES[@]}")
IMAGES_ONLY=0
WHAT=""

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

# Whether the package lists know the guest kernel images/build.sh downloads.
knows_kernel() {
    [[ -n $(apt-cache show --no-all-versions "$KERNEL_METAPACKAGE" 2>/dev/null) ]]
}

main() {
    case "${1:-}" in
        "") ;;
        --images) PACKAGES=("${IMAGE_PACKAGES[@]}"); IMAGES_ONLY=1; WHAT=" image-building" ;;
        --run) PACKAGES=("${RUN_PACKAGES[@]}"); WHAT=" building and serving" ;;
        *) printf 'usage: scripts/setup-packages.sh [--images | --run]\n' >&2; return 2 ;;
    esac
    local missing refresh=0
    missing=$(missing_packages)
    # images/build.sh would run `apt-get update` itself when the lists lack its kernel; under
    # `make` that could race with the apt-get update of the second stage here (one of them fails
    # on apt's lock), so the first stage refreshes the lists while nothing else uses apt.
    if ((IMAGES_ONLY)) && ! knows_kernel; then refresh=1; fi
    if [[ -z $missing ]] && ((refresh == 0)); then
        printf 'setup-packages: all %d%s packages installed\n' "${#PACKAGES[@]}" "$WHAT"
        return 0
    fi
    local -a install=()
    [[ -z $missing ]] || mapfile -t install <<<"$missing"
    warn_if_not_bookworm
    if ((EUID != 0)); then
        printf 'setup-packages: missing %s; run as root to install them\n' "${install[*]:-package lists}" >&2
        return 1
    fi
    # Package lists may be absent (fresh image) or stale: refresh them only now that apt is needed.
    apt-get update -qq
    if ((${#install[@]} == 0)); then
        knows_kernel || { printf 'setup-packages: apt knows no %s\n' "$KERNEL_METAPACKAGE" >&2; return 1; }
        return 0
    fi
    printf 'setup-packages: installing %s\n' "${install[*]}"
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
