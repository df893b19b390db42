# The hub's image: slim, runs as an unprivileged user, migrates and serves
# through deploy/entrypoint.sh, and needs DATABASE_URL (a real PostgreSQL 17/18:
# see compose.yaml). Build: docker build -t liaoning-hub .
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY hub hub
COPY schema schema
COPY resolvers resolvers
COPY adapters adapters
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HUB_CONFIG=/etc/hub/hub.toml
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/hub --create-home hub
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY deploy/entrypoint.sh /usr/local/bin/hub-entrypoint
USER hub
WORKDIR /var/lib/hub
EXPOSE 8000
# Liveness only (/healthz answers without the database); orchestrators route
# traffic on /readyz.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
ENTRYPOINT ["hub-entrypoint"]
CMD ["serve"]
