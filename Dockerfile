# syntax=docker/dockerfile:1
# One image for the three services: `lead serve intake|abeyance|reporting` (see deploy/).
# Migrations run at each start under a PostgreSQL advisory lock (services/platform/db.py), so
# any number of replicas may start at once; `docs/operations.md` has the upgrade order.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/lead
WORKDIR /src
COPY pyproject.toml README.md ./
COPY events ./events
COPY services ./services
# Every dependency ships wheels for linux/amd64 and linux/arm64: no compiler needed.
RUN /opt/lead/bin/pip install --no-cache-dir --only-binary=:all: . \
    && /opt/lead/bin/python -m compileall -q /opt/lead/lib

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="lead-diversion" \
      org.opencontainers.image.description="LEAD diversion event system: intake, abeyance, reporting" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system --gid 10001 lead \
    && useradd --system --uid 10001 --gid lead --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin lead
COPY --from=build /opt/lead /opt/lead
ENV PATH=/opt/lead/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    LEAD_HOST=0.0.0.0 \
    LEAD_PORT=8000
USER 10001:10001
WORKDIR /tmp
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['LEAD_PORT'] + '/ready', timeout=4)"]
ENTRYPOINT ["lead"]
CMD ["serve", "intake"]
