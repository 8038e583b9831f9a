#!/usr/bin/env bash
# Stops the capsule VMs (QEMU, Firecracker) whose files live under DIR: a test run's own data
# directories. Matches each VMM's command line against DIR, never a process name alone, so capsules
# of a real server on the same machine are left alone. Stops the test run's throwaway PostgreSQL
# clusters under DIR too, each by its own data directory, and its throwaway Swift clusters: each
# Swift server by the configuration file under DIR that its command line names, their memcached
# (whose command line names no file) by its working directory under DIR.
#   usage: scripts/stop-vms-under.sh DIR
set -uo pipefail
dir=$(realpath -m "${1:?usage: stop-vms-under.sh DIR}")
for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    cmdline=$({ tr '\0' ' ' < "$proc/cmdline"; } 2>/dev/null) || continue
    case $cmdline in
        qemu-system-*" $dir/"*|*firecracker*" $dir/"*) kill "$pid" 2>/dev/null && echo "stopped leftover VM $pid" ;;
        *"/swift-"*"-server $dir/"*) kill "$pid" 2>/dev/null && echo "stopped leftover Swift server $pid" ;;
        memcached\ *|*/memcached\ *)
            cwd=$(readlink "$proc/cwd" 2>/dev/null) || continue
            [[ $cwd == "$dir"/* ]] && kill "$pid" 2>/dev/null && echo "stopped leftover memcached $pid" ;;
    esac
done
for pidfile in "$dir"/*/*/postmaster.pid; do
    [[ -f $pidfile ]] || continue
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$(dirname "$pidfile")" stop -m immediate >/dev/null 2>&1 \
        && echo "stopped leftover PostgreSQL cluster $(dirname "$pidfile")"
done
exit 0
