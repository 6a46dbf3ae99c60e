#!/bin/bash
# Entrypoint of the STAND-IN dpage/pgadmin4:9.8 image (ts-blocks/test/deploy/standins/pgadmin/Dockerfile), written
# for the stand-in after the official image's documented behaviour for what docker-compose.yml uses: the login from
# PGADMIN_DEFAULT_EMAIL and PGADMIN_DEFAULT_PASSWORD(_FILE), PGADMIN_CONFIG_<name> settings, the servers in
# /pgadmin4/servers.json (loaded at first start, and at every start with PGADMIN_REPLACE_SERVERS_ON_STARTUP=True),
# gunicorn on port 80 in server mode.
set -Eeuo pipefail
py=/venv/bin/python3

if [ -n "${PGADMIN_DEFAULT_PASSWORD_FILE:-}" ]; then
  PGADMIN_DEFAULT_PASSWORD="$(cat "$PGADMIN_DEFAULT_PASSWORD_FILE")"
fi
if [ -z "${PGADMIN_DEFAULT_EMAIL:-}" ] || [ -z "${PGADMIN_DEFAULT_PASSWORD:-}" ]; then
  echo "entrypoint (stand-in): PGADMIN_DEFAULT_EMAIL and PGADMIN_DEFAULT_PASSWORD(_FILE) are required" >&2
  exit 1
fi

{
  echo "SERVER_MODE = True"
  echo "DATA_DIR = '/var/lib/pgadmin'"
  echo "LOG_FILE = '/var/log/pgadmin/pgadmin4.log'"
  echo "SQLITE_PATH = '/var/lib/pgadmin/pgadmin4.db'"
  echo "SESSION_DB_PATH = '/var/lib/pgadmin/sessions'"
  echo "STORAGE_DIR = '/var/lib/pgadmin/storage'"
  echo "UPGRADE_CHECK_ENABLED = False"
  # PGADMIN_CONFIG_X=value becomes X = value (values are Python literals, as in the official image)
  while IFS='=' read -r name value; do
    echo "${name#PGADMIN_CONFIG_} = $value"
  done < <(env | grep '^PGADMIN_CONFIG_' || true)
} >/pgadmin4/config_distro.py

servers=/pgadmin4/servers.json
if [ ! -f /var/lib/pgadmin/pgadmin4.db ]; then
  PGADMIN_SETUP_EMAIL="$PGADMIN_DEFAULT_EMAIL" PGADMIN_SETUP_PASSWORD="$PGADMIN_DEFAULT_PASSWORD" \
    "$py" /pgadmin4/setup.py setup-db
  [ -f "$servers" ] && "$py" /pgadmin4/setup.py load-servers "$servers" --user "$PGADMIN_DEFAULT_EMAIL"
elif [ -f "$servers" ] && [ "${PGADMIN_REPLACE_SERVERS_ON_STARTUP:-False}" = True ]; then
  "$py" /pgadmin4/setup.py load-servers "$servers" --user "$PGADMIN_DEFAULT_EMAIL" --replace
fi
unset PGADMIN_DEFAULT_PASSWORD

cd /pgadmin4
exec /venv/bin/gunicorn --bind 0.0.0.0:80 --workers 1 --threads 25 --timeout 86400 --access-logfile - \
  --chdir /pgadmin4 pgAdmin4:app
