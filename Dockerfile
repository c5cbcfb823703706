# syntax=docker/dockerfile:1
# meterbot: one process serving Telegram, Viber, the scheduler and /healthz + /metrics on :8080.
# Configuration: mount a file at /etc/meterbot/config.toml; secrets come from the environment
# (METERBOT_TELEGRAM__TOKEN, METERBOT_VIBER__AUTH_TOKEN, METERBOT_STORAGE__URL, …).

# The base image by digest as well as by tag: a rebuild gets the very same image, and a tag moved
# to another image (or a forged one) does not slip in. To update: `docker buildx imagetools
# inspect python:3.11-slim-bookworm`, take the index digest, rebuild, `make test` in it.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/meterbot
WORKDIR /src
# Dependencies change less often than the code: install them in their own layer.
# constraints.txt pins every dependency to the version `make test` ran with.
COPY pyproject.toml README.md constraints.txt ./
RUN mkdir billing_core storage dialogs bot \
 && touch billing_core/__init__.py storage/__init__.py dialogs/__init__.py bot/__init__.py \
 && /opt/meterbot/bin/pip install --constraint constraints.txt . \
 && /opt/meterbot/bin/pip uninstall --yes meterbot
COPY billing_core ./billing_core
COPY storage ./storage
COPY dialogs ./dialogs
COPY bot ./bot
RUN /opt/meterbot/bin/pip install --no-deps . \
 && /opt/meterbot/bin/python -m compileall -q /opt/meterbot/lib

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/meterbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    METERBOT_CONFIG=/etc/meterbot/config.toml \
    METERBOT_HTTP__HOST=0.0.0.0 \
    METERBOT_HTTP__PORT=8080
RUN useradd --system --uid 10001 --home-dir /var/lib/meterbot --shell /usr/sbin/nologin meterbot \
 && install -d -o meterbot -g meterbot -m 0750 /var/lib/meterbot /var/lib/meterbot/data
COPY --from=build /opt/meterbot /opt/meterbot
# The example configuration lets the image start as is; a mounted file replaces it.
COPY config.example.toml /etc/meterbot/config.toml
USER meterbot
# The default [storage] url, sqlite:///data/meterbot.sqlite3, is relative to this directory.
WORKDIR /var/lib/meterbot
VOLUME ["/var/lib/meterbot/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('METERBOT_HTTP__PORT', '8080'), timeout=4)"
CMD ["meterbot", "run"]
