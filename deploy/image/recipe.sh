#!/bin/sh
# The steps that make the image, run inside the image's root as root: by the Dockerfile's RUN lines, and by
# build-rootfs.sh in a chroot of a Debian root made with debootstrap. One recipe, two ways in (README,
# "Building the image").
#
#   recipe.sh packages runtime [builder]   Debian packages of the stage, then the slim clean-up
#   recipe.sh deps PYPROJECT               a venv at /opt/candles with the dependencies PYPROJECT names
#   recipe.sh project SRC                  the project's wheel built from SRC, installed into that venv
#   recipe.sh user                         the service user (uid 10001) and the /data volume's folder
set -eu

VENV=/opt/candles
UID_GID=10001
# python3 is Debian's 3.11; the builder adds venv (ensurepip's bundled pip and setuptools).
RUNTIME_PACKAGES="python3 ca-certificates"
BUILDER_PACKAGES="python3-venv"

packages_of() {
    for stage in "$@"; do
        case "$stage" in
            runtime) echo "$RUNTIME_PACKAGES" ;;
            builder) echo "$BUILDER_PACKAGES" ;;
            *) echo "unknown stage: $stage" >&2; exit 2 ;;
        esac
    done
}

# As Debian's slim images keep it: no manuals, docs or translations, now or in later installs.
slim() {
    cat >/etc/dpkg/dpkg.cfg.d/candles-slim <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
    find /usr/share/doc -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
    find /usr/share/doc -mindepth 1 -type d -empty -delete 2>/dev/null || true
    rm -rf /usr/share/man/* /usr/share/groff/* /usr/share/info/* /usr/share/lintian/* /usr/share/linda/* \
        /usr/share/locale/*
    apt-get clean
    rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/lib/dpkg/*-old /var/log/apt/* \
        /var/log/dpkg.log /var/log/alternatives.log
}

packages() {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # The suite's security and point updates, as a freshly pulled base image has them.
    apt-get upgrade -y -qq
    # shellcheck disable=SC2046 # one word per package
    apt-get install -y -qq --no-install-recommends $(packages_of "$@")
    slim
}

# The dependencies pyproject.toml names, apart from the project, as a layer that outlives source changes.
deps() {
    pyproject=$1
    python3 -m venv "$VENV"
    requirements=$(mktemp)
    python3 -c 'import sys, tomllib; print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]))' \
        "$pyproject" >"$requirements"
    # Published wheels only: the builder has no compiler, and needs none.
    "$VENV/bin/pip" install --quiet --only-binary=:all: --requirement "$requirements"
    rm -f "$requirements"
}

# The project's wheel, built from the checkout and installed over the dependencies.
project() {
    src=$1
    # The page's charting library, as npm ci installed it from the lockfile (make install), goes into the
    # package: the page fetches nothing from the internet.
    chart="$src/node_modules/lightweight-charts/dist/lightweight-charts.standalone.production.js"
    if [ -f "$chart" ]; then
        mkdir -p "$src/services/api/static/vendor" && cp "$chart" "$src/services/api/static/vendor/"
    else
        echo "no $chart: run make install (npm ci) first, or the image's page has no chart" >&2
    fi
    wheels=$(mktemp -d)
    "$VENV/bin/pip" wheel --quiet --no-deps --wheel-dir "$wheels" "$src"
    "$VENV/bin/pip" install --quiet --no-deps --no-index "$wheels"/*.whl
    rm -rf "$wheels"
    "$VENV/bin/pip" check
    # Nothing installs at run time: the installer goes.
    "$VENV/bin/python" -m pip uninstall --quiet --yes pip setuptools
    # Byte code compiled now, since the root filesystem is read-only when the services run.
    "$VENV/bin/python" -m compileall -q -j 0 "$VENV/lib" >/dev/null
}

user() {
    getent group $UID_GID >/dev/null || groupadd --gid $UID_GID candles
    getent passwd $UID_GID >/dev/null || useradd --uid $UID_GID --gid $UID_GID --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin candles
    # The lake's default place (STORAGE_URL=file:///data), writable only as a mounted volume.
    install -d -o $UID_GID -g $UID_GID -m 0750 /data
}

step=${1:?"a step: packages, deps, project or user"}
shift
case "$step" in
    packages) packages "$@" ;;
    deps) deps "${1:?the project's pyproject.toml}" ;;
    project) project "${1:?the project's source folder}" ;;
    user) user ;;
    *) echo "unknown step: $step" >&2; exit 2 ;;
esac
