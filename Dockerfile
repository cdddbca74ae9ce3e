# syntax=docker/dockerfile:1
# One image for the four services; the command chooses the service (docs/deploy.md):
#   docker build -t zhongyuan-migration-suite:dev .
#   docker run zhongyuan-migration-suite:dev nameko run --config services/migration/config.yaml services.migration.service
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# Builder: generated gRPC code the Makefile's way (`make protos`, with the dev extra in its own .venv), then the
# runtime virtualenv with the package and its dependencies only.
FROM ${PYTHON_IMAGE} AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml Makefile ./
COPY protos protos
COPY services services
RUN make protos PYTHON=python3.11
# Editable, as in development: /app/services is the one copy that both `nameko run` (from /app) and the zyctl console
# script import, so the runtime stage puts /opt/venv and /app/services (with the generated code) at the same paths.
RUN python3.11 -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir -e .

# Runtime: the same base, no compilers or build tools, a non-root user, nothing writable but /tmp.
FROM ${PYTHON_IMAGE} AS runtime
# The migration service runs playbooks over SSH on the source and target hosts, and the database plays run the
# servers' own clients against each database endpoint (playbooks/roles/db_mysql, db_postgresql).
RUN apt-get update \
    && apt-get install -y --no-install-recommends openssh-client mariadb-client postgresql-client \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 zhongyuan \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin zhongyuan
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY services services
COPY --from=builder /app/services/pb services/pb
COPY playbooks playbooks
USER 10001:10001
# gRPC 50051-50054 and HTTP (/healthz, /metrics) 8001-8004: inventory, migration, interconnect, monitoring.
EXPOSE 50051 50052 50053 50054 8001 8002 8003 8004
# No service by default: run `nameko run --config services/<svc>/config.yaml services.<svc>.service`.
CMD ["nameko", "run", "--help"]
