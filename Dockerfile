# syntax=docker/dockerfile:1
# The image of every service (README, "Building the image"); Kubernetes picks the service by the command
# (python -m services.<name>). The steps are deploy/image/recipe.sh's: `make image` runs the same steps in a
# debootstrap root where no container daemon runs, and starts the services from it with this file's ENV,
# USER, WORKDIR and CMD (deploy/image/run-rootfs.sh). Keep one ENV per line, a plain-word CMD.
ARG BASE=debian:bookworm-slim

# The project's wheel, built from the checkout, and its dependencies in a venv at /opt/candles.
FROM ${BASE} AS builder
RUN --mount=type=bind,source=deploy/image/recipe.sh,target=/run/recipe.sh \
    sh /run/recipe.sh packages runtime builder
# The dependencies first: this layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml /src/pyproject.toml
RUN --mount=type=bind,source=deploy/image/recipe.sh,target=/run/recipe.sh \
    --mount=type=cache,target=/run/pip-cache \
    PIP_CACHE_DIR=/run/pip-cache sh /run/recipe.sh deps /src/pyproject.toml
COPY . /src
RUN --mount=type=bind,source=deploy/image/recipe.sh,target=/run/recipe.sh \
    sh /run/recipe.sh project /src

# Python and the venv; no compiler, no installer, no source tree.
FROM ${BASE}
RUN --mount=type=bind,source=deploy/image/recipe.sh,target=/run/recipe.sh \
    sh /run/recipe.sh packages runtime && sh /run/recipe.sh user
COPY --from=builder /opt/candles /opt/candles
ENV PATH=/opt/candles/bin:/usr/local/bin:/usr/bin:/bin
ENV LANG=C.UTF-8
# A read-only root filesystem: whatever a library keeps per user (caches, config) goes to /tmp, the one
# writable place (an emptyDir in the manifests); byte code was compiled at build time.
ENV HOME=/tmp
ENV TMPDIR=/tmp
ENV XDG_CACHE_HOME=/tmp/.cache
ENV XDG_CONFIG_HOME=/tmp/.config
ENV XDG_DATA_HOME=/tmp/.local/share
ENV XDG_STATE_HOME=/tmp/.local/state
ENV XDG_RUNTIME_DIR=/tmp/.run
ENV PYTHONDONTWRITEBYTECODE=1
ENV PYTHONUNBUFFERED=1
# The working folder is not put on the import path (Python 3.11's safe path).
ENV PYTHONSAFEPATH=1
ENV STORAGE_URL=file:///data
ENV API_HOST=0.0.0.0
USER 10001:10001
WORKDIR /opt/candles
VOLUME ["/data"]
EXPOSE 8080
CMD ["python", "-m", "services.api"]
