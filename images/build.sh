#!/usr/bin/env bash
# Builds Wrenn's guest images from Debian packages only (nothing else is ever downloaded):
#
#   images/build.sh --agent <guest agent ELF> [--out <dir>] [--cache <dir>] [--force]
#   images/build.sh --rootfs-only [--out <dir>] [--cache <dir>] [--force]
#
# --rootfs-only does everything that does not need the guest agent (kernel, initramfs, the root
# filesystem tarballs: nearly all of the time) and stops there, so `make` runs it while the agent
# compiles; the run with --agent then only assembles the ext4 images and the manifest.
#
# Outputs (in --out, default /var/lib/wrenn/images), each written under a temporary name and
# renamed into place, so an interrupted build never leaves a half-written file behind:
#   vmlinuz           bzImage of the concrete package behind linux-image-cloud-amd64 (extracted, not installed)
#   vmlinux           the same kernel as an uncompressed ELF (Firecracker boots only those)
#   initrd.img        uncompressed newc cpio: static busybox, the virtio/vsock modules, images/initramfs/init
#   <template>.ext4   read-only root filesystem per template (capsules write to a qcow2 overlay)
#   manifest.json     files, hashes and kernel version, read by the host (Wrenn.HostAgent.Images)
#
# Caching (--cache, default /var/cache/wrenn/images): mmdebstrap takes minutes, so its rootfs
# tarball is kept under a key hashing everything that shapes it (suite, package list, mmdebstrap
# arguments, apt sources, parent tarball). The kernel package is kept per concrete version. Every
# output is rebuilt only when its own inputs change, recorded in <out>/.build/<file>.input; an ext4
# image depends on its rootfs tarball, the agent binary and this script. A cached rootfs does not
# pick up Debian's later (security) updates: --force ignores every cache and rebuilds everything.
# Concurrency: the root filesystems are built one after another (each is its parent's plus
# packages), in the foreground; the kernel and initramfs, and each template's ext4 image as soon as
# its root filesystem is there, are background jobs beside that chain. A failed job fails the build.
# Needs root: mmdebstrap's root mode, device nodes in the initramfs, ownership-preserving tar.
set -euo pipefail
shopt -s nullglob
# C locale: '.' as decimal separator in $EPOCHREALTIME, bytewise sorting, untranslated tool output.
export LC_ALL=C
umask 022

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly SCRIPT_PATH="$SCRIPT_DIR/${BASH_SOURCE[0]##*/}"
readonly SUITE=bookworm
readonly KERNEL_METAPACKAGE=linux-image-cloud-amd64
# Templates in build order; a template with a parent is its parent's rootfs plus more packages.
# images/templates/<template>/ may add files (rootfs/, copied over the tree, owned by root) and a
# recipe run in the booted template before its snapshot is taken (recipefile and healthcheck, in
# the recipe language of docs/builds.md): a template whose service runs in every capsule.
readonly TEMPLATES=(minimal base-python code-runner-beta)
declare -rA TEMPLATE_PARENT=([base-python]=minimal [code-runner-beta]=base-python)
# Modules the initramfs may load, each with what it is for, dependencies added from modules.dep.
# "bus": always (virtio_mmio: QEMU microvm and Firecracker devices, found through ACPI: this kernel
# lacks VIRTIO_MMIO_CMDLINE_DEVICES); "pci": unless the command line says pci=off (virtio_pci: q35
# and PCI-based VMMs); a virtio device id: only when the VM has such a device (0x0003
# virtio_console: the agent's virtio-serial port; 0x0002 virtio_blk: the root disk; 0x0001
# virtio_net: networking; 0x0013 vmw_vsock_virtio_transport: the agent's vsock link under
# Firecracker; 0x0004 virtio_rng: host entropy (Firecracker's entropy device); 0x0005
# virtio_balloon: memory reclaim). Each module load costs 20-50 ms under TCG, so a VM loads only
# what its devices need. ext4 is built into the cloud kernel (checked below against its config).
readonly GUEST_MODULES=(virtio_mmio:bus virtio_pci:pci virtio_console:0x0003 virtio_blk:0x0002
    virtio_net:0x0001 vmw_vsock_virtio_transport:0x0013 virtio_rng:0x0004 virtio_balloon:0x0005)
# Free space in each root filesystem for the user's files. The image is sparse and capsules write
# to a qcow2 overlay, so free space costs no disk until used; 1 GiB covers a typical
# `pip install` or `git clone` in a sandbox. Larger disks are a resize of the overlay, not a rebuild.
readonly HEADROOM_MIB=1024
# ext4 metadata on top of the files: journal (32 MiB at these sizes), inode tables, bitmaps.
readonly METADATA_MIB=64
# Documentation, manuals and translations are dead weight in a sandbox (LANG=C.UTF-8); copyright
# files stay. dpkg keeps honouring these inside the capsule, for packages the user installs.
readonly DPKG_OPTIONS=(
    'path-exclude=/usr/share/man/*'
    'path-exclude=/usr/share/info/*'
    'path-exclude=/usr/share/doc/*'
    'path-include=/usr/share/doc/*/copyright'
    'path-exclude=/usr/share/locale/*'
    'path-exclude=/usr/share/lintian/*'
)

AGENT=""
ROOTFS_ONLY=0
OUT=/var/lib/wrenn/images
CACHE=/var/cache/wrenn/images
FORCE=0
WORK=""
TEMP_PATHS=()
MIRRORS=()
SCRIPT_HASH=""
AGENT_SHA=""
KERNEL_PACKAGE=""
KERNEL_PACKAGE_VERSION=""
KERNEL_VERSION=""
KERNEL_TREE=""
declare -A ROOTFS_TAR=() TEMPLATE_INPUT=()
# Background jobs still to be waited for: process id -> what it builds.
declare -A JOB_NAMES=()

usage() {
    cat <<'EOF'
usage: images/build.sh --agent <guest agent ELF> [--out <dir>] [--cache <dir>] [--force]
       images/build.sh --rootfs-only [--out <dir>] [--cache <dir>] [--force]
  --agent   the wrenn-agent binary installed as /usr/local/bin/wrenn-agent in every image
  --rootfs-only  only what needs no agent: kernel, initramfs, root filesystems (no ext4 images,
            no manifest); a later run with --agent finds them cached
  --out     output directory (default /var/lib/wrenn/images)
  --cache   build cache (default /var/cache/wrenn/images)
  --force   ignore every cache and rebuild everything
EOF
}

log() { printf '%s\n' "$*"; }
die() {
    printf 'images/build.sh: error: %s\n' "$*" >&2
    exit 1
}

parse_args() {
    while (($#)); do
        case "$1" in
            --agent) AGENT=${2:?--agent needs a path}; shift 2 ;;
            --out) OUT=${2:?--out needs a directory}; shift 2 ;;
            --cache) CACHE=${2:?--cache needs a directory}; shift 2 ;;
            --force) FORCE=1; shift ;;
            --rootfs-only) ROOTFS_ONLY=1; shift ;;
            -h | --help) usage; exit 0 ;;
            *) usage >&2; die "unknown argument: $1" ;;
        esac
    done
    if ((ROOTFS_ONLY)); then
        [[ -z $AGENT ]] || die "--rootfs-only builds nothing the agent goes into: drop --agent"
        return 0
    fi
    [[ -n $AGENT ]] || { usage >&2; die "--agent is required"; }
    [[ -f $AGENT ]] || die "agent binary not found: $AGENT"
    # Catches a wrong path (a script, a directory listing, an LFS pointer) before minutes of work.
    cmp -s -n 4 "$AGENT" <(printf '\177ELF') || die "$AGENT is not an ELF executable"
    AGENT=$(realpath "$AGENT")
}

require_environment() {
    ((EUID == 0)) || die "must run as root (mmdebstrap root mode, device nodes, file ownership)"
    local tool missing=()
    for tool in mmdebstrap mkfs.ext4 dumpe2fs cpio depmod apt-get apt-cache dpkg-deb flock \
        sha256sum tar realpath; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    [[ -x /bin/busybox ]] || missing+=(/bin/busybox)
    ((${#missing[@]} == 0)) || die "missing ${missing[*]}: run scripts/setup-packages.sh"
    # A dynamically linked busybox (package "busybox") cannot run in the initramfs.
    if ldd /bin/busybox >/dev/null 2>&1; then
        die "/bin/busybox is dynamically linked: install busybox-static (scripts/setup-packages.sh)"
    fi
}

sha256_file() {
    local sum
    sum=$(sha256sum "$1")
    printf '%s' "${sum%% *}"
}

sha256_text() {
    local sum
    sum=$(printf '%s' "$1" | sha256sum)
    printf '%s' "${sum%% *}"
}

seconds_since() {
    awk -v start="$1" -v now="$EPOCHREALTIME" 'BEGIN { printf "%.1f", now - start }'
}

mib() {
    awk -v bytes="$1" 'BEGIN { m = bytes / 1048576; printf (m >= 100 ? "%.0f" : "%.1f"), m }'
}

# "N MiB apparent, M MiB allocated": images are sparse, the second number is what disk they use.
size_summary() {
    local apparent blocks block_size
    read -r apparent blocks block_size < <(stat -c '%s %b %B' "$1")
    printf '%s MiB apparent, %s MiB allocated' "$(mib "$apparent")" "$(mib $((blocks * block_size)))"
}

report_built() {
    local name=$1 start=$2 detail=${3:-}
    log "built $name in $(seconds_since "$start") s${detail:+: $detail}"
}

# Runs "$@" in the background in a process group of its own, so that cleanup can stop it together
# with whatever it runs (tar, mkfs.ext4). Job control is on only while forking: foreground commands
# stay in our group and get the terminal's ^C as before.
start_job() {
    local name=$1
    shift
    set -m
    "$@" &
    set +m
    JOB_NAMES[$!]=$name
}

# Waits for the jobs that have finished (with --all: for every job); the first failure fails the
# build, after which cleanup stops the others. Called between root filesystems, so a failed job
# (say, the kernel download) ends the build before minutes of mmdebstrap rather than after.
reap_jobs() {
    local pid status name
    for pid in "${!JOB_NAMES[@]}"; do
        # A finished job's process is gone (bash reaps it and keeps its status for `wait`).
        [[ ${1:-} == --all ]] || ! kill -0 "$pid" 2>/dev/null || continue
        status=0
        wait "$pid" || status=$?
        name=${JOB_NAMES[$pid]}
        unset "JOB_NAMES[$pid]"
        ((status == 0)) || die "$name failed (exit status $status)"
    done
}

# Removes temporary outputs and the work directory on every exit path (error, ^C, TERM).
cleanup() {
    local path pid
    # Jobs still running when we stop (an error elsewhere, ^C): stop them before deleting their files.
    for pid in "${!JOB_NAMES[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
    for pid in "${!JOB_NAMES[@]}"; do wait "$pid" 2>/dev/null || true; done
    for path in "${TEMP_PATHS[@]}"; do rm -f -- "$path"; done
    # A job's temporary outputs are not in our TEMP_PATHS (it is a subshell), but all are named
    # .<file>.tmp.<our pid> ($$ is ours in a subshell too).
    rm -f -- "$OUT"/.*.tmp."$$" "$OUT"/.build/.*.tmp."$$"
    if [[ -n $WORK && -d $WORK ]] && ! has_mounts_under "$WORK"; then
        rm -rf --one-file-system -- "$WORK"
    fi
}

has_mounts_under() {
    awk -v dir="$1" '$2 == dir || index($2, dir "/") == 1 { found = 1 } END { exit !found }' /proc/self/mounts
}

# Serialises concurrent builds sharing a cache, then clears what a killed (SIGKILL) run left.
prepare_directories() {
    mkdir -p "$OUT/.build" "$CACHE/kernel" "$CACHE/rootfs"
    OUT=$(realpath "$OUT")
    CACHE=$(realpath "$CACHE")
    exec {lock_fd}>"$CACHE/.lock"
    if ! flock -n "$lock_fd"; then
        log "waiting for another images/build.sh using $CACHE"
        flock "$lock_fd"
    fi
    local stale
    for stale in "$CACHE"/work.*; do
        # mmdebstrap killed mid-run may leave /proc or /dev mounted in its chroot: never delete those.
        if has_mounts_under "$stale"; then
            log "warning: leaving $stale (something is still mounted inside it)" >&2
        else
            rm -rf --one-file-system -- "$stale"
        fi
    done
    rm -f -- "$OUT"/.*.tmp.* "$OUT"/.build/.*.tmp.* "$CACHE"/rootfs/*.tmp.*
    WORK=$(mktemp -d "$CACHE/work.XXXXXX")
    # apt-get download runs as the unprivileged _apt user, which must reach its download directory.
    chmod 0755 "$WORK"
}

# Output files appear only complete: written under a temporary name in the same directory, flushed
# to disk, then renamed over the old one.
temp_output() {
    local path
    path="$1/.$(basename "$2").tmp.$$"
    TEMP_PATHS+=("$path")
    printf '%s' "$path"
}

publish() {
    sync -- "$1"
    mv -f -- "$1" "$2"
}

# <out>/.build/<file>.input holds the key of the inputs the current <file> was built from.
is_current() {
    local file=$1 key=$2 stamp="$OUT/.build/$1.input"
    ((FORCE == 0)) && [[ -f $OUT/$file && -f $stamp && $(<"$stamp") == "$key" ]]
}

mark_current() {
    local file=$1 key=$2 tmp
    tmp=$(temp_output "$OUT/.build" "$file.input")
    printf '%s\n' "$key" >"$tmp"
    mv -f -- "$tmp" "$OUT/.build/$file.input"
}

# Prints the host's Debian apt sources as one-line "deb URI SUITE COMPONENTS" entries for $SUITE,
# so images come from the same mirror (or snapshot) the host trusts, without naming hosts here.
host_apt_sources() {
    local deb822=/etc/apt/sources.list.d/debian.sources list=/etc/apt/sources.list
    {
        if [[ -r $deb822 ]]; then
            awk '
                function flush(   nu, ns, uris, suites, i, j) {
                    if (fields["types"] ~ /(^| )deb( |$)/ && tolower(fields["enabled"]) != "no" &&
                        fields["components"] != "") {
                        nu = split(fields["uris"], uris, " ")
                        ns = split(fields["suites"], suites, " ")
                        for (i = 1; i <= nu; i++)
                            for (j = 1; j <= ns; j++)
                                print "deb " uris[i] " " suites[j] " " fields["components"]
                    }
                    delete fields
                }
                /^#/ { next }
                /^[ \t]*$/ { flush(); next }
                /^[ \t]/ { if (key != "") fields[key] = fields[key] " " $0; next }
                {
                    key = tolower(substr($0, 1, index($0, ":") - 1))
                    value = substr($0, index($0, ":") + 1)
                    sub(/^[ \t]+/, "", value)
                    sub(/[ \t]+$/, "", value)
                    fields[key] = value
                }
                END { flush() }
            ' "$deb822"
        fi
        if [[ -r $list ]]; then
            # One-line format; [options] are dropped (mmdebstrap finds the keyring itself).
            sed -n -E 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?/deb /p' "$list"
        fi
    } | awk -v suite="$SUITE" '
        { $1 = $1 }
        $3 == suite || index($3, suite "-") == 1 { if (!seen[$0]++) print }
    '
}

read_apt_sources() {
    local sources
    sources=$(host_apt_sources)
    mapfile -t MIRRORS <<<"$sources"
    local line
    for line in "${MIRRORS[@]}"; do
        [[ $line == "deb "*" $SUITE "* ]] && return 0
    done
    die "no 'deb ... $SUITE ...' apt source on this host (/etc/apt/sources.list.d/debian.sources)"
}

# linux-image-cloud-amd64 is a metapackage: the kernel is its linux-image-<abi>-cloud-amd64 dependency.
resolve_kernel() {
    local show
    show=$(apt-cache show --no-all-versions "$KERNEL_METAPACKAGE" 2>/dev/null || true)
    if [[ -z $show ]]; then
        log "apt knows no $KERNEL_METAPACKAGE yet: running apt-get update"
        apt-get update -qq
        show=$(apt-cache show --no-all-versions "$KERNEL_METAPACKAGE")
    fi
    # "Depends: linux-image-6.1.0-NN-cloud-amd64 (= VERSION)": package, and version when pinned.
    local dependency
    dependency=$(awk -F': ' '$1 == "Depends" {
        n = split($2, deps, /, */)
        for (i = 1; i <= n; i++) if (deps[i] ~ /^linux-image-[0-9]/) { print deps[i]; exit }
    }' <<<"$show")
    read -r KERNEL_PACKAGE _ KERNEL_PACKAGE_VERSION <<<"${dependency//[()]/}"
    [[ -n $KERNEL_PACKAGE ]] || die "cannot find the kernel package $KERNEL_METAPACKAGE depends on"
    if [[ ${dependency//[()]/} != *" = "* ]]; then
        # Unpinned dependency (apt-cache is slow, hence only then): take the candidate version.
        show=$(apt-cache show --no-all-versions "$KERNEL_PACKAGE")
        KERNEL_PACKAGE_VERSION=$(awk '$1 == "Version:" { print $2; exit }' <<<"$show")
    fi
    [[ -n $KERNEL_PACKAGE_VERSION ]] || die "no version of $KERNEL_PACKAGE is available"
    KERNEL_VERSION=${KERNEL_PACKAGE#linux-image-}
}

# Downloads the kernel .deb (apt verifies it against the signed archive) and extracts it, once per
# package version; depmod runs on the extracted tree so modules.dep matches these modules.
fetch_kernel() {
    local name="${KERNEL_PACKAGE}_${KERNEL_PACKAGE_VERSION//:/%3a}"
    KERNEL_TREE="$CACHE/kernel/$name"
    if ((FORCE == 0)) && [[ -f $KERNEL_TREE/.complete ]]; then
        log "cached $KERNEL_PACKAGE $KERNEL_PACKAGE_VERSION"
        return
    fi
    local start=$EPOCHREALTIME download="$WORK/kernel-download" tree="$WORK/kernel-tree"
    mkdir -p "$download"
    # apt downloads as the unprivileged _apt user: let it write here (without a sandbox warning).
    if id _apt >/dev/null 2>&1; then chown _apt "$download"; fi
    (cd "$download" && apt-get download -qq "$KERNEL_PACKAGE=$KERNEL_PACKAGE_VERSION")
    local debs=("$download"/*.deb)
    ((${#debs[@]} == 1)) || die "apt-get download $KERNEL_PACKAGE produced ${#debs[@]} files"
    dpkg-deb -x "${debs[0]}" "$tree"
    [[ -f $tree/boot/vmlinuz-$KERNEL_VERSION ]] || die "$KERNEL_PACKAGE has no /boot/vmlinuz-$KERNEL_VERSION"
    # ext4 must be built in: the initramfs mounts the root disk before any ext4 module could load.
    grep -qx 'CONFIG_EXT4_FS=y' "$tree/boot/config-$KERNEL_VERSION" ||
        die "$KERNEL_PACKAGE does not build ext4 into the kernel"
    depmod -b "$(module_base "$tree")" "$KERNEL_VERSION"
    touch "$tree/.complete"
    rm -rf --one-file-system -- "$CACHE"/kernel/*
    mv -- "$tree" "$KERNEL_TREE"
    rm -rf -- "$download"
    log "fetched $KERNEL_PACKAGE $KERNEL_PACKAGE_VERSION in $(seconds_since "$start") s"
}

# depmod's base directory: modules live in /lib/modules, or /usr/lib/modules in merged-/usr packages.
module_base() {
    if [[ -d $1/lib/modules/$KERNEL_VERSION ]]; then
        printf '%s' "$1"
    elif [[ -d $1/usr/lib/modules/$KERNEL_VERSION ]]; then
        printf '%s' "$1/usr"
    else
        die "$KERNEL_PACKAGE has no modules directory for $KERNEL_VERSION"
    fi
}

install_kernel() {
    local key start=$EPOCHREALTIME tmp
    key=$(sha256_text "vmlinuz|$KERNEL_PACKAGE|$KERNEL_PACKAGE_VERSION")
    if is_current vmlinuz "$key"; then log "cached vmlinuz"; return; fi
    tmp=$(temp_output "$OUT" vmlinuz)
    cp -- "$KERNEL_TREE/boot/vmlinuz-$KERNEL_VERSION" "$tmp"
    chmod 0644 "$tmp"
    publish "$tmp" "$OUT/vmlinuz"
    mark_current vmlinuz "$key"
    report_built vmlinuz "$start" "$(size_summary "$OUT/vmlinuz")"
}

# Unpacks the ELF kernel inside a bzImage: Firecracker boots only uncompressed ELF kernels on x86-64.
# The compressed payload starts at one of these magics (lz4 legacy, as Debian's cloud kernel uses;
# xz, zstd, gzip, lzma); the first offset
# whose decompression starts with the ELF magic wins. Decompressors complain about the bytes after
# the payload; only the output's header is judged.
unpack_elf_kernel() {
    local image=$1 out=$2 entry magic tool offset
    for entry in '02214c18:lz4 -dcq' 'fd377a585a00:xz -dc' '28b52ffd:zstd -dcq' '1f8b08:gzip -dc' '5d000000:xz -dc --format=lzma'; do
        magic=${entry%%:*}
        tool=${entry#*:}
        while read -r offset; do
            tail -c "+$((offset + 1))" -- "$image" | $tool >"$out" 2>/dev/null || true
            [[ $(head -c 4 -- "$out" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]] && return 0
        done < <(LC_ALL=C grep -obUaP "$(sed 's/../\\x&/g' <<<"$magic")" -- "$image" | cut -d: -f1)
    done
    return 1
}

# vmlinux: the same kernel as vmlinuz, uncompressed, for Firecracker.
install_vmlinux() {
    local key start=$EPOCHREALTIME tmp
    key=$(sha256_text "vmlinux|$KERNEL_PACKAGE|$KERNEL_PACKAGE_VERSION|$SCRIPT_HASH")
    if is_current vmlinux "$key"; then log "cached vmlinux"; return; fi
    tmp=$(temp_output "$OUT" vmlinux)
    unpack_elf_kernel "$KERNEL_TREE/boot/vmlinuz-$KERNEL_VERSION" "$tmp" || die "no ELF kernel found inside vmlinuz-$KERNEL_VERSION"
    chmod 0644 "$tmp"
    publish "$tmp" "$OUT/vmlinux"
    mark_current vmlinux "$key"
    report_built vmlinux "$start" "$(size_summary "$OUT/vmlinux")"
}

# Prints "<for> <module file>" lines (files relative to the modules directory), each group's
# dependencies first; a dependency shared by two groups is listed in both (the initramfs loads a
# file once). Modules built into the kernel need no loading; one neither built in nor shipped is
# an error.
resolve_modules() {
    local moddir=$1 line path name rest entry group
    local -A deps=() by_name=() builtin=() seen=()
    local -a ordered=()
    while IFS= read -r line; do
        path=${line%%:*}
        rest=${line#*:}
        deps[$path]=$rest
        name=${path##*/}
        name=${name%%.ko*}
        by_name[${name//-/_}]=$path
    done <"$moddir/modules.dep"
    if [[ -f $moddir/modules.builtin ]]; then
        while IFS= read -r path; do
            name=${path##*/}
            name=${name%%.ko*}
            builtin[${name//-/_}]=1
        done <"$moddir/modules.builtin"
    fi
    visit() {
        local module=$1 dep
        [[ -z ${seen[$module]:-} ]] || return 0
        seen[$module]=1
        for dep in ${deps[$module]}; do visit "$dep"; done
        ordered+=("$group $module")
    }
    for entry in "${GUEST_MODULES[@]}"; do
        name=${entry%%:*}
        name=${name//-/_}
        group=${entry#*:}
        seen=()
        if [[ -n ${by_name[$name]:-} ]]; then
            visit "${by_name[$name]}"
        elif [[ -z ${builtin[$name]:-} ]]; then
            die "kernel $KERNEL_VERSION has no module $name"
        fi
    done
    printf '%s\n' "${ordered[@]}"
}

# Copies one module into the initramfs uncompressed: busybox insmod cannot load .ko.xz/.zst/.gz.
copy_module() {
    local source=$1 target=$2
    case "$source" in
        *.ko) cp -- "$source" "$target" ;;
        *.ko.xz) xz -dc -- "$source" >"$target" ;;
        *.ko.zst) zstd -dcq -- "$source" >"$target" ;;
        *.ko.gz) gzip -dc -- "$source" >"$target" ;;
        *) die "unknown module format: $source" ;;
    esac
}

build_initrd() {
    local init="$SCRIPT_DIR/initramfs/init" moddir modules key
    moddir="$(module_base "$KERNEL_TREE")/lib/modules/$KERNEL_VERSION"
    modules=$(resolve_modules "$moddir")
    key=$(sha256_text "initrd|$KERNEL_PACKAGE|$KERNEL_PACKAGE_VERSION|$modules|$(sha256_file "$init")|$(sha256_file /bin/busybox)|$SCRIPT_HASH")
    if is_current initrd.img "$key"; then log "cached initrd.img"; return; fi

    local start=$EPOCHREALTIME stage="$WORK/initrd" applets applet module file tmp
    mkdir -p "$stage"/{bin,dev,etc,lib/modules,newroot,proc,sys}
    cp -- /bin/busybox "$stage/bin/busybox"
    applets=$(/bin/busybox --list)
    for applet in $applets; do
        [[ $applet == busybox ]] || ln -s busybox "$stage/bin/$applet"
    done
    # The kernel opens /dev/console for /init's stdio before anything could mount devtmpfs.
    mknod -m 0600 "$stage/dev/console" c 5 1
    mknod -m 0666 "$stage/dev/null" c 1 3
    local group
    while read -r group module; do
        file=${module##*/}
        file="${file%%.ko*}.ko"
        [[ -f $stage/lib/modules/$file ]] || copy_module "$moddir/$module" "$stage/lib/modules/$file"
        printf '%s %s\n' "$group" "$file" >>"$stage/etc/wrenn-modules"
    done <<<"$modules"
    install -m 0755 -- "$init" "$stage/init"

    tmp=$(temp_output "$OUT" initrd.img)
    # Fixed timestamps and sorted entries: the same inputs give the same bytes.
    find "$stage" -exec touch -h -d @0 {} +
    (cd "$stage" && find . -mindepth 1 -print0 | sort -z |
        cpio --null --create --format=newc --owner=0:0 --reproducible --quiet) >"$tmp"
    publish "$tmp" "$OUT/initrd.img"
    mark_current initrd.img "$key"
    local count
    count=$(find "$stage/lib/modules" -name '*.ko' | wc -l)
    report_built initrd.img "$start" "$(size_summary "$OUT/initrd.img"), $count modules"
}

# Package names from a package list: '#' comments and blank lines dropped, one name per line.
read_packages() {
    sed -e 's/#.*//' -- "$1" | tr -s '[:blank:]' '\n' | sed '/^$/d'
}

# The mmdebstrap arguments for a template. They are part of the rootfs cache key, so anything
# that changes the tarball's content must be expressed here.
mmdebstrap_arguments() {
    local template=$1 packages=$2 parent=${TEMPLATE_PARENT[$1]:-} option
    local -a args=(--mode=root --format=tar --aptopt='Acquire::Languages "none"')
    if [[ -n $parent ]]; then
        for option in "${DPKG_OPTIONS[@]}"; do args+=(--dpkgopt="$option"); done
        # Layered on the parent's tarball (the pattern documented in mmdebstrap(1)): no second
        # bootstrap of the essential packages, only the extra packages are installed.
        args+=(--variant=custom
            --setup-hook="tar-in $(printf '%q' "${ROOTFS_TAR[$parent]}") /"
            --customize-hook="chroot \"\$1\" apt-get install --yes --no-install-recommends -q ${packages//$'\n'/ }")
    else
        # DPKG_OPTIONS through a hook rather than --dpkgopt: see path_filter_hook.
        args+=(--variant=minbase --include="${packages//$'\n'/,}" --extract-hook="$(path_filter_hook)")
    fi
    printf '%s\n' "${args[@]}"
}

# A single-quoted word for sh (mmdebstrap runs hooks with sh -c).
sh_quote() {
    printf "'%s'" "${1//\'/\'\\\'\'}"
}

# An --extract-hook that applies DPKG_OPTIONS' path filters to the essential packages mmdebstrap has
# just unpacked, then writes them to /etc/dpkg/dpkg.cfg.d/99mmdebstrap as --dpkgopt would have.
# Why: with path filters in 99mmdebstrap, mmdebstrap pipes each essential package through
# mmtarfilter (Python re-streaming the package's tarball): unpacking took 30 s instead of 6 s here,
# on the critical path of a first run. Deleting afterwards gives the same tree (checked: the same
# files, modes and contents in all three tarballs): dpkg unpacks every essential package again right
# after this hook, under these filters, and recreates what they keep (directories, symlinks,
# copyright files). dpkg's rule: the last matching pattern wins, with fnmatch(3) as find -path uses
# it ('*' also matches '/'). -xdev: /proc, /sys and /dev are mounted in the chroot by now.
path_filter_hook() {
    local i j expression="" term option
    for ((i = 0; i < ${#DPKG_OPTIONS[@]}; i++)); do
        [[ ${DPKG_OPTIONS[i]} == path-exclude=* ]] || continue
        term="-path $(sh_quote ".${DPKG_OPTIONS[i]#path-exclude=}")"
        for ((j = i + 1; j < ${#DPKG_OPTIONS[@]}; j++)); do
            if [[ ${DPKG_OPTIONS[j]} == path-include=* ]]; then
                term+=" ! -path $(sh_quote ".${DPKG_OPTIONS[j]#path-include=}")"
            fi
        done
        expression+="${expression:+ -o }( $term )"
    done
    expression=${expression//(/\\(}
    expression=${expression//)/\\)}
    printf 'cd "$1" && find . -xdev -depth \\( %s \\) \\( ! -type d -delete -o -type d -empty -delete \\) && printf "%%s\\n"' "$expression"
    for option in "${DPKG_OPTIONS[@]}"; do printf ' %s' "$(sh_quote "$option")"; done
    printf ' >etc/dpkg/dpkg.cfg.d/99mmdebstrap'
}

# Runs mmdebstrap for a template unless a tarball for the same inputs is cached.
build_rootfs() {
    local template=$1 list="$SCRIPT_DIR/packages/$1.txt" packages arguments key parent tar
    [[ -f $list ]] || die "no package list $list"
    packages=$(read_packages "$list")
    [[ -n $packages ]] || die "$list lists no packages"
    arguments=$(mmdebstrap_arguments "$template" "$packages")
    parent=${TEMPLATE_PARENT[$template]:-}
    key=$(sha256_text "rootfs|$SUITE|$template|$packages|$arguments|$(printf '%s\n' "${MIRRORS[@]}")|${parent:+$(<"${ROOTFS_TAR[$parent]}.sha256")}")
    tar="$CACHE/rootfs/$template-$key.tar"
    ROOTFS_TAR[$template]=$tar
    if ((FORCE == 0)) && [[ -f $tar && -f $tar.sha256 ]]; then
        # The date is a reminder: package updates reach a cached rootfs only with --force.
        log "cached rootfs $template (mmdebstrap, $(date -r "$tar" +%F))"
        return
    fi

    local start=$EPOCHREALTIME tmp="$tar.tmp.$$" logfile="$CACHE/rootfs/$template.log" sum old
    local -a args
    mapfile -t args <<<"$arguments"
    # dpkg syncs every file it unpacks; a chroot that becomes a tarball or nothing needs none of
    # that (code-runner-beta: 935 MB unpacked in 43 s instead of 54 s here). Only during the build:
    # the file is gone before the tarball is made, so it is no input of the cache key (the tarball
    # is the same) and dpkg in capsules keeps its safety.
    args+=(--setup-hook='mkdir -p "$1/etc/dpkg/dpkg.cfg.d" && echo force-unsafe-io >"$1/etc/dpkg/dpkg.cfg.d/zz-wrenn-build"'
        --customize-hook='rm -f "$1/etc/dpkg/dpkg.cfg.d/zz-wrenn-build"')
    TEMP_PATHS+=("$tmp")
    log "running mmdebstrap for $template (takes minutes; log: $logfile)"
    # TMPDIR: mmdebstrap's chroot lives in our work directory on the cache's disk, not in /tmp.
    if ! TMPDIR="$WORK" mmdebstrap "${args[@]}" "$SUITE" "$tmp" "${MIRRORS[@]}" >"$logfile" 2>&1; then
        tail -n 30 "$logfile" >&2
        die "mmdebstrap failed for $template (full log: $logfile)"
    fi
    sum=$(sha256_file "$tmp")
    printf '%s\n' "$sum" >"$tmp.sha256"
    TEMP_PATHS+=("$tmp.sha256")
    # Only one tarball per template is kept: older keys are dead weight.
    for old in "$CACHE/rootfs/$template-"*.tar; do
        if [[ ${old##*/} =~ ^$template-[0-9a-f]{64}\.tar$ ]]; then rm -f -- "$old" "$old.sha256"; fi
    done
    mv -f -- "$tmp" "$tar"
    mv -f -- "$tmp.sha256" "$tar.sha256"
    report_built "rootfs $template (mmdebstrap)" "$start" "$(size_summary "$tar")"
}

# Turns an extracted rootfs into a capsule root: the agent, identity files, and no caches.
finalize_tree() {
    local template=$1 tree=$2
    install -D -m 0755 -o 0 -g 0 -- "$AGENT" "$tree/usr/local/bin/wrenn-agent"

    # The agent renames the host to the capsule id at Init; these are the values before that.
    printf 'capsule\n' >"$tree/etc/hostname"
    printf '127.0.0.1\tlocalhost\n127.0.1.1\tcapsule\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' \
        >"$tree/etc/hosts"
    # mmdebstrap copied the build host's resolver configuration: never ship that.
    printf '# Placeholder: the capsule'"'"'s resolver is configured when its network is.\n' \
        >"$tree/etc/resolv.conf"
    chmod 0644 "$tree/etc/hostname" "$tree/etc/hosts" "$tree/etc/resolv.conf"
    ln -sfn /usr/share/zoneinfo/Etc/UTC "$tree/etc/localtime"
    printf 'Etc/UTC\n' >"$tree/etc/timezone"
    # No locales package: C.UTF-8 is built into glibc. Read by pam_env (su, sudo, login).
    mkdir -p "$tree/etc/default"
    printf 'LANG=C.UTF-8\n' >"$tree/etc/default/locale"
    install -d -m 0700 -o 0 -g 0 "$tree/root"
    add_sandbox_user "$tree"

    # Package indexes and logs of the build: stale in a week, and `apt-get update` rebuilds them.
    # (apt's lock files and partial/ directories stay.)
    find "$tree/var/lib/apt/lists" "$tree/var/cache/apt" -mindepth 1 -maxdepth 1 \
        ! -name partial ! -name lock ! -name archives -exec rm -rf -- {} +
    rm -f -- "$tree"/var/cache/apt/archives/*.deb "$tree"/var/cache/debconf/*-old \
        "$tree"/var/lib/dpkg/*-old
    rm -rf -- "$tree"/tmp/* "$tree"/tmp/.[!.]* "$tree"/var/tmp/*
    find "$tree/var/log" -type f -delete

    case "$template" in
        base-python | code-runner-beta) allow_pip_install "$tree" ;;
    esac
    local extra="$SCRIPT_DIR/templates/$template/rootfs"
    if [[ -d $extra ]]; then
        tar --owner=0 --group=0 --numeric-owner -C "$extra" -cf - . | tar -xpf - -C "$tree"
    fi
}

# The unprivileged account E2B's SDKs assume (docs/e2b.md): "user", uid 1000, home /home/user, bash,
# and passwordless sudo where the template has sudo. Processes started through the v1 API still run
# as root unless they name this user.
add_sandbox_user() {
    local tree=$1
    useradd --root "$tree" --uid 1000 --user-group --create-home --shell /bin/bash user
    if [[ -d $tree/etc/sudoers.d ]]; then
        printf 'user ALL=(ALL:ALL) NOPASSWD: ALL\n' >"$tree/etc/sudoers.d/user"
        chmod 0440 "$tree/etc/sudoers.d/user"
    fi
}

# The hash of images/templates/<template>/ (names, modes and contents), empty when there is none.
template_files_hash() {
    local dir="$SCRIPT_DIR/templates/$1"
    [[ -d $dir ]] || return 0
    sha256_text "$(cd "$dir" && find . -type f -printf '%p %m\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum)"
}

# Copies a template's recipe and healthcheck next to its image, where the host reads them.
install_recipe() {
    local template=$1 kind tmp
    for kind in recipefile healthcheck; do
        if [[ ! -f $SCRIPT_DIR/templates/$template/$kind ]]; then
            rm -f -- "$OUT/$template.$kind"
            continue
        fi
        tmp=$(temp_output "$OUT" "$template.$kind")
        install -m 0644 -- "$SCRIPT_DIR/templates/$template/$kind" "$tmp"
        publish "$tmp" "$OUT/$template.$kind"
    done
}

# PEP 668 makes Debian's pip refuse `pip install` outside a venv (EXTERNALLY-MANAGED). A capsule is
# a throwaway sandbox whose user expects `pip install x` to just work, as in hosted sandboxes, so
# the marker is removed, and excluded in dpkg so a python3.x upgrade in the capsule keeps it away.
allow_pip_install() {
    local tree=$1
    rm -f -- "$tree"/usr/lib/python3*/EXTERNALLY-MANAGED
    printf '# Wrenn: pip installs system-wide in capsules (PEP 668 marker removed).\npath-exclude=/usr/lib/python3*/EXTERNALLY-MANAGED\n' \
        >"$tree/etc/dpkg/dpkg.cfg.d/wrenn-python"
    # Everything runs as root in a capsule: pip's "running as root" warning is noise.
    printf '[global]\nroot-user-action = ignore\n' >"$tree/etc/pip.conf"
}

# The key of <template>.ext4's inputs: rootfs tarball, agent, this script, images/templates/<template>/.
image_key() {
    sha256_text "ext4|$1|$(<"${ROOTFS_TAR[$1]}.sha256")|$AGENT_SHA|$SCRIPT_HASH|$(template_files_hash "$1")"
}

# Builds <template>.ext4 unless its inputs (key: image_key) are unchanged. Runs as a background job.
build_image() {
    local template=$1 key=$2 file="$1.ext4" tar=${ROOTFS_TAR[$1]}
    if is_current "$file" "$key"; then log "cached $file"; return; fi

    local start=$EPOCHREALTIME tree="$WORK/tree-$template" tmp used size_mib free
    mkdir "$tree"
    tar --numeric-owner --xattrs --xattrs-include='*' -xpf "$tar" -C "$tree"
    finalize_tree "$template" "$tree"

    # Size = files + 5% for block rounding + ext4 metadata + the free space promised to users.
    used=$(du -sx -B1 "$tree" | cut -f1)
    size_mib=$(((used * 105 / 100 + 1048575) / 1048576 + METADATA_MIB + HEADROOM_MIB))
    tmp=$(temp_output "$OUT" "$file")
    # -d fills the filesystem from the tree without mounting anything; -m 0: no blocks reserved for
    # root, who is the only user; the image file stays sparse.
    # (-q still prints "Creating regular file" on stdout.)
    mkfs.ext4 -q -F -L wrenn-root -m 0 -d "$tree" -E root_owner=0:0 "$tmp" "${size_mib}M" >/dev/null
    rm -rf --one-file-system -- "$tree"
    free=$(dumpe2fs -h "$tmp" 2>/dev/null | awk -F: '
        $1 == "Free blocks" { blocks = $2 } $1 == "Block size" { size = $2 }
        END { printf "%d", blocks * size / 1048576 }')
    publish "$tmp" "$OUT/$file"
    mark_current "$file" "$key"
    report_built "$file" "$start" "$(size_summary "$OUT/$file"), $free MiB free"
}

write_manifest() {
    local tmp template comma="" kernel_sha initrd_sha size recipe
    kernel_sha=$(sha256_file "$OUT/vmlinuz")
    initrd_sha=$(sha256_file "$OUT/initrd.img")
    tmp=$(temp_output "$OUT" manifest.json)
    {
        printf '{\n'
        printf '  "kernel_version": "%s",\n' "$KERNEL_VERSION"
        printf '  "kernel": {"file": "vmlinuz", "sha256": "%s", "package": "%s", "package_version": "%s"},\n' \
            "$kernel_sha" "$KERNEL_PACKAGE" "$KERNEL_PACKAGE_VERSION"
        printf '  "initrd": {"file": "initrd.img", "sha256": "%s"},\n' "$initrd_sha"
        printf '  "suite": "%s",\n' "$SUITE"
        printf '  "templates": {'
        for template in "${TEMPLATES[@]}"; do
            size=$(stat -c %s "$OUT/$template.ext4")
            recipe=""
            if [[ -f $OUT/$template.recipefile ]]; then
                recipe=$(printf ', "recipe": "%s.recipefile"' "$template")
                [[ ! -f $OUT/$template.healthcheck ]] || recipe+=$(printf ', "healthcheck": "%s.healthcheck"' "$template")
            fi
            printf '%s\n    "%s": {"file": "%s.ext4", "input_hash": "%s", "size_bytes": %s%s}' \
                "$comma" "$template" "$template" "${TEMPLATE_INPUT[$template]}" "$size" "$recipe"
            comma=,
        done
        printf '\n  },\n'
        printf '  "agent_sha256": "%s"\n' "$AGENT_SHA"
        printf '}\n'
    } >"$tmp"
    if cmp -s "$tmp" "$OUT/manifest.json"; then
        rm -f -- "$tmp"
        log "cached manifest.json"
    else
        publish "$tmp" "$OUT/manifest.json"
        log "wrote manifest.json"
    fi
}

main() {
    local start=$EPOCHREALTIME template
    parse_args "$@"
    require_environment
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    prepare_directories
    SCRIPT_HASH=$(sha256_file "$SCRIPT_PATH")
    ((ROOTFS_ONLY)) || AGENT_SHA=$(sha256_file "$AGENT")
    read_apt_sources
    resolve_kernel
    log "guest images: Debian $SUITE, kernel $KERNEL_VERSION ($KERNEL_PACKAGE_VERSION), out $OUT, cache $CACHE"

    # Beside the root filesystem chain: a download and seconds of CPU, off its critical path.
    start_job "kernel and initramfs" build_kernel_files
    for template in "${TEMPLATES[@]}"; do
        build_rootfs "$template"
        if ((ROOTFS_ONLY == 0)); then
            # The image is assembled while the next template's mmdebstrap runs.
            TEMPLATE_INPUT[$template]=$(image_key "$template")
            start_job "$template.ext4" build_image "$template" "${TEMPLATE_INPUT[$template]}"
        fi
        reap_jobs
    done
    reap_jobs --all
    if ((ROOTFS_ONLY)); then
        log "kernel, initramfs and root filesystems ready ($(seconds_since "$start") s); ext4 images need --agent"
        return
    fi
    for template in "${TEMPLATES[@]}"; do install_recipe "$template"; done
    write_manifest
    log "images ready in $OUT ($(seconds_since "$start") s)"
}

build_kernel_files() {
    fetch_kernel
    install_kernel
    install_vmlinux
    build_initrd
}

main "$@"
