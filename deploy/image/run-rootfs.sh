#!/usr/bin/env bash
# Starts a command from the image's root filesystem (build-rootfs.sh) the way a container of the image
# runs, as the Dockerfile's last stage says: its ENV, USER, WORKDIR and CMD; the root filesystem
# read-only (as readOnlyRootFilesystem in the manifests); /tmp a fresh tmpfs (their emptyDir); each
# VOLUME a tmpfs unless given with -v; a /dev of its own with the usual devices; a PID namespace of its
# own; this machine's network, so 127.0.0.1 is this machine's PostgreSQL and NATS.
#   run-rootfs.sh ROOTFS [-e NAME=VALUE]... [-v HOST_DIR:PATH]... [-- COMMAND...]   (as root)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dockerfile=$here/../../Dockerfile
root=$(cd "${1:?"usage: run-rootfs.sh ROOTFS [-e NAME=VALUE]... [-v HOST_DIR:PATH]... [-- COMMAND...]"}" && pwd)
shift
extra_env=()
volumes=()
while [ $# -gt 0 ]; do
    case "$1" in
        -e) extra_env+=("$2"); shift 2 ;;
        -v) volumes+=("$2"); shift 2 ;;
        --) shift; break ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done

# The last stage of the Dockerfile, one instruction a line (its header says so).
final=$(tac "$dockerfile" | sed '/^FROM /q' | tac)
# Command substitutions, not process substitutions: nothing of this script may outlive the exec below.
mapfile -t image_env <<<"$(sed -n 's/^ENV \([A-Za-z_][A-Za-z0-9_]*=.*\)$/\1/p' <<<"$final")"
user=$(sed -n 's/^USER //p' <<<"$final")
workdir=$(sed -n 's/^WORKDIR //p' <<<"$final")
declared=$(sed -n 's/^VOLUME \[\(.*\)\]$/\1/p' <<<"$final" | tr -d '" ' | tr ',' ' ')
if [ $# -eq 0 ]; then
    read -r -a cmd <<<"$(sed -n 's/^CMD \[\(.*\)\]$/\1/p' <<<"$final" | tr -d '",')"
    set -- "${cmd[@]}"
fi
[ -n "$user" ] && [ -n "$workdir" ] || { echo "the Dockerfile's last stage has no USER or WORKDIR" >&2; exit 1; }

# The mounts are made inside the new namespaces, by their first process, which then becomes the command.
exec unshare --mount --propagation private --pid --fork --kill-child -- /bin/bash -euc '
    root=$1 user=$2 workdir=$3 declared=$4 n_env=$5 n_vol=$6
    shift 6
    env=("${@:1:n_env}"); shift "$n_env"
    vols=("${@:1:n_vol}"); shift "$n_vol"
    mount --bind "$root" "$root"
    mount -o remount,bind,ro "$root"
    mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
    mount -t tmpfs -o nosuid,mode=0755,size=1m tmpfs "$root/dev"
    for dev in null zero full random urandom tty; do
        touch "$root/dev/$dev" && mount --bind "/dev/$dev" "$root/dev/$dev"
    done
    mkdir "$root/dev/shm" && mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$root/dev/shm"
    ln -s /proc/self/fd "$root/dev/fd"
    ln -s /proc/self/fd/0 "$root/dev/stdin"; ln -s /proc/self/fd/1 "$root/dev/stdout"; ln -s /proc/self/fd/2 "$root/dev/stderr"
    mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$root/tmp"
    for path in $declared; do
        mount -t tmpfs -o "nosuid,nodev,mode=0750,uid=${user%%:*},gid=${user#*:}" tmpfs "$root$path"
    done
    for vol in "${vols[@]}"; do mount --bind "${vol%%:*}" "$root${vol#*:}"; done
    # Name resolution as a container runtime gives it: this machine'"'"'s.
    mount --bind -o ro /etc/resolv.conf "$root/etc/resolv.conf"
    exec chroot --userspec="$user" --groups="${user#*:}" "$root" /usr/bin/env -i -C "$workdir" "${env[@]}" "$@"
' sh "$root" "$user" "$workdir" "$declared" "$((${#image_env[@]} + ${#extra_env[@]}))" "${#volumes[@]}" \
    "${image_env[@]}" "${extra_env[@]}" "${volumes[@]}" "$@"
