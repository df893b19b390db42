#!/bin/sh
# The image's entry point (also usable as is under systemd or a supervisor).
#
#   serve [ARGS]    migrate, then serve on $HUB_HOST:$HUB_PORT (0.0.0.0:8000) with
#                   $HUB_WORKERS worker processes (2); the default
#   migrate         apply the migrations, then exit (run it first on an upgrade)
#   COMMAND [ARGS]  any other hub command (keys, documents, sync, deadletters, ...)
#
# DATABASE_URL is required: a deployed hub never starts an embedded PostgreSQL.
set -eu

if [ -z "${DATABASE_URL:-}" ]; then
  echo "hub-entrypoint: set DATABASE_URL (postgresql://USER:PASSWORD@HOST:5432/DB); a deployed hub never starts an embedded PostgreSQL" >&2
  exit 2
fi

command="${1:-serve}"
[ "$#" -gt 0 ] && shift
case "$command" in
  serve)
    exec hub serve --host "${HUB_HOST:-0.0.0.0}" --port "${HUB_PORT:-8000}" \
      --workers "${HUB_WORKERS:-2}" "$@"
    ;;
  *)
    exec hub "$command" "$@"
    ;;
esac
