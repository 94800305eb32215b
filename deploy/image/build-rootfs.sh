#!/usr/bin/env bash
# The image's root filesystem, built where no container daemon runs (`make image`): the Dockerfile's two
# stages made from Debian's and PyPI's packages with the same steps (recipe.sh), each in a chroot.
#   FROM debian:bookworm-slim      →  debootstrap --variant=minbase bookworm, slimmed by recipe.sh
#   RUN recipe.sh packages …       →  the same, in a chroot of that root (cached per stage, see below)
#   COPY . /src                    →  the paths .dockerignore lets through (its `!` lines)
#   COPY pyproject.toml, RUN recipe.sh deps  →  the same, in the builder's chroot; the venv is cached
#   RUN recipe.sh project /src     →  the same, in the builder's chroot
#   COPY --from=builder /opt/candles, RUN recipe.sh user  →  the same into the runtime root
# Each stage's root with its Debian packages is kept as a tarball under build/image/cache, keyed by the
# recipe, the suite and the mirror, and so is the venv of the dependencies (keyed by those and the
# dependencies pyproject.toml names), as Docker keeps layers: a rerun only builds and installs the project's wheel. Delete
# the cache to take Debian's newest updates.
#   build-rootfs.sh OUT    (as root)    DEBIAN_MIRROR overrides the Debian archive apt uses here.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
out=${1:?"usage: build-rootfs.sh OUT (the root filesystem's folder, e.g. build/rootfs)"}
work=$project/build/image
cache=$work/cache
suite=bookworm
# Bump when the way a stage's base is made changes outside recipe.sh.
base_format=1

# What this run made and leaves behind on any exit: the stages' working roots.
scratch=()
trap 'rm -rf "${scratch[@]}"' EXIT

say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# OUT is removed and made anew: refuse a folder that is neither empty nor a root this script built.
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ] && [ ! -d "$out/opt/candles" ]; then
    echo "$out is not empty and holds no earlier build (no opt/candles): not removing it" >&2
    exit 1
fi
[ "$(id -u)" = 0 ] || { echo "building the root filesystem needs root (debootstrap, chroot, mounts)" >&2; exit 1; }
if ! command -v debootstrap >/dev/null; then
    apt-get install -y -qq debootstrap >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq debootstrap; }
fi

# The Debian archives this machine's apt already uses (deb822 or one-line sources), for the suite and
# for its security updates.
archive() {  # archive SUITE
    if [ "$1" = "$suite" ] && [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
    local found
    found=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v want="$1" '
        BEGIN { RS = ""; FS = "\n" }
        {
            uri = ""; deb = 0; has = 0
            for (i = 1; i <= NF; i++) {
                if ($i ~ /^Types:/ && $i ~ /[ \t]deb([ \t]|$)/) deb = 1
                if ($i ~ /^URIs:/) { split($i, u, /[ \t]+/); uri = u[2] }
                if ($i ~ /^Suites:/) { n = split($i, s, /[ \t]+/); for (j = 2; j <= n; j++) if (s[j] == want) has = 1 }
            }
            if (deb && has && uri != "") { print uri; exit }
        }')
    if [ -z "$found" ]; then
        found=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            sed -E 's/\[[^]]*\]//' | awk -v want="$1" '$1 == "deb" && $3 == want { print $2; exit }')
    fi
    [ -n "$found" ] || { echo "no Debian archive for $1 in this machine's apt sources: set DEBIAN_MIRROR" >&2; exit 1; }
    echo "$found"
}

# Runs a command in ROOT as a build step: /proc, /dev, DNS, the recipe at /run/recipe.sh, and (for pip)
# this machine's CA bundle and the pip cache, all mounted only for the step, in a mount namespace of its
# own; a clean environment, as a RUN line has.
in_root() {  # in_root ROOT PIP_CACHE COMMAND...
    local root=$1 pip_cache=$2
    shift 2
    local ca=${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}
    [ -f "$ca" ] || ca=""
    unshare --mount --propagation private -- /bin/sh -euc '
        root=$1 recipe=$2 ca=$3 pip_cache=$4 index=$5
        shift 5
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mount -t tmpfs -o mode=0755 tmpfs "$root/run"
        touch "$root/run/recipe.sh" && mount --bind -o ro "$recipe" "$root/run/recipe.sh"
        mount --bind -o ro /etc/resolv.conf "$root/etc/resolv.conf"
        set -- PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
        if [ -n "$ca" ]; then
            touch "$root/run/build-ca.crt" && mount --bind -o ro "$ca" "$root/run/build-ca.crt"
            set -- PIP_CERT=/run/build-ca.crt "$@"
        fi
        if [ -n "$pip_cache" ]; then
            mkdir -p "$root/run/pip-cache" && mount --bind "$pip_cache" "$root/run/pip-cache"
            set -- PIP_CACHE_DIR=/run/pip-cache "$@"
        fi
        if [ -n "$index" ]; then set -- PIP_INDEX_URL="$index" "$@"; fi
        exec chroot "$root" /usr/bin/env -i "$@"
    ' sh "$root" "$here/recipe.sh" "$ca" "$pip_cache" "${PIP_INDEX_URL:-}" "$@"
}

# FROM debian:bookworm-slim, then each stage's `RUN recipe.sh packages …`, kept as tarballs.
stage_bases() {
    local tmp main security
    main=$(archive "$suite")
    security=$(archive "$suite-security")
    tmp=$(mktemp -d "$work/base.XXXXXX")
    scratch+=("$tmp")
    say "debootstrap $suite (minbase) from $main"
    # In a mount namespace of its own: what it mounts in the new root goes with it, even if it fails.
    unshare --mount --propagation private -- debootstrap --variant=minbase "$suite" "$tmp/root" "$main" \
        >"$tmp/debootstrap.log" 2>&1 ||
        { tail -20 "$tmp/debootstrap.log" >&2; exit 1; }
    rm -f "$tmp/root/etc/apt/sources.list"
    cat >"$tmp/root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $main
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    # Nothing of this machine in the image: the runtime gives DNS and the host name.
    : >"$tmp/root/etc/resolv.conf"
    : >"$tmp/root/etc/hostname"
    printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$tmp/root/etc/hosts"
    cp -a "$tmp/root" "$tmp/builder"
    say "runtime stage: recipe.sh packages runtime"
    in_root "$tmp/root" "" sh /run/recipe.sh packages runtime
    say "builder stage: recipe.sh packages runtime builder"
    in_root "$tmp/builder" "" sh /run/recipe.sh packages runtime builder
    tar --numeric-owner -C "$tmp/root" -cf "$tmp/runtime.tar" .
    tar --numeric-owner -C "$tmp/builder" -cf "$tmp/builder.tar" .
    mv "$tmp/runtime.tar" "$runtime_tar"
    mv "$tmp/builder.tar" "$builder_tar"
}

started=$SECONDS
mkdir -p "$cache/pip"
key=$( { cat "$here/recipe.sh"; echo "$suite $base_format $(archive "$suite") $(archive "$suite-security")"; } |
    sha256sum | cut -c1-16)
runtime_tar=$cache/runtime-$key.tar
builder_tar=$cache/builder-$key.tar
if [ -f "$runtime_tar" ] && [ -f "$builder_tar" ]; then
    say "stage bases from the cache ($key)"
else
    stage_bases
fi

builder=$(mktemp -d "$work/builder.XXXXXX")
scratch+=("$builder")
tar -C "$builder" -xf "$builder_tar"
# COPY pyproject.toml, RUN recipe.sh deps: the venv with the dependencies, cached like a layer.
mkdir "$builder/src"
cp "$project/pyproject.toml" "$builder/src/pyproject.toml"
# Keyed by what the step reads of pyproject.toml: its dependencies.
dependencies=$(python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"])' \
    "$project/pyproject.toml")
deps_tar=$cache/deps-$( { echo "$key"; echo "$dependencies"; } | sha256sum | cut -c1-16).tar
if [ -f "$deps_tar" ]; then
    say "builder stage: the dependencies from the cache"
    tar -C "$builder" -xf "$deps_tar"
else
    say "builder stage: recipe.sh deps /src/pyproject.toml"
    in_root "$builder" "$cache/pip" sh /run/recipe.sh deps /src/pyproject.toml
    tar --numeric-owner -C "$builder" -cf "$deps_tar.tmp" opt/candles
    mv "$deps_tar.tmp" "$deps_tar"
fi
# COPY . /src: what .dockerignore lets through.
mapfile -t paths < <(sed -n 's/^!//p' "$project/.dockerignore")
tar -C "$project" --exclude=__pycache__ --exclude='*.pyc' -cf - "${paths[@]}" | tar -C "$builder/src" -xf -
say "builder stage: recipe.sh project /src"
in_root "$builder" "" sh /run/recipe.sh project /src

say "runtime stage into $out"
rm -rf "$out"
mkdir -p "$out"
tar -C "$out" -xf "$runtime_tar"
in_root "$out" "" sh /run/recipe.sh user
# COPY --from=builder /opt/candles (the builder is thrown away: moved, not copied).
mv "$builder/opt/candles" "$out/opt/candles"
# Only the current recipe's and pyproject's tarballs stay.
find "$cache" -maxdepth 1 -name '*.tar' ! -name "${runtime_tar##*/}" ! -name "${builder_tar##*/}" \
    ! -name "${deps_tar##*/}" -delete

say "done in $((SECONDS - started)) s: $(du -sh "$out" | cut -f1) ($(du -sh "$out/opt/candles" | cut -f1) in /opt/candles)"
