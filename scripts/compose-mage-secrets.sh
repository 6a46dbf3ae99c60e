#!/usr/bin/env bash
# Loads the Mage Secrets of the Docker Compose deployment into the running `mage` service. Never prints a value.
#
#   scripts/compose-mage-secrets.sh              PG_* of the warehouse service, then a hidden prompt per QBO_* value
#   scripts/compose-mage-secrets.sh --postgres   PG_* only
#   scripts/compose-mage-secrets.sh --stdin      PG_*, then QBO_* as NAME=value lines on stdin (password manager)
#   scripts/compose-mage-secrets.sh --sandbox    PG_*, and QBO_* of the running `sandbox` service (profile sandbox)
#   scripts/compose-mage-secrets.sh --list       which secrets are set (names only)
#
# PG_HOST, PG_PORT, PG_DATABASE and PG_USER are the warehouse's service name, port, POSTGRES_DB and POSTGRES_USER in
# docker-compose.yml; PG_PASSWORD is docker/secrets/postgres_password (scripts/compose-secrets.sh). Values reach
# Mage only on the standard input of `scripts/mage-secrets.py load --stdin` in the container: never a command line,
# never an environment variable. QBO_DOCKER_COMPOSE replaces the `docker compose` command (tests).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
read -r -a dc <<<"${QBO_DOCKER_COMPOSE:-docker compose}"
secrets_dir="${QBO_COMPOSE_SECRETS_DIR:-$here/docker/secrets}"
QBO_NAMES=(QBO_CLIENT_ID QBO_CLIENT_SECRET QBO_REALM_ID QBO_REFRESH_TOKEN QBO_ENV)
PG_NAMES=(PG_HOST PG_PORT PG_DATABASE PG_USER PG_PASSWORD)

in_mage() {
  "${dc[@]}" exec -T mage python scripts/mage-secrets.py "$@"
}

postgres_password() {
  local file="$secrets_dir/postgres_password"
  if [ ! -s "$file" ]; then
    echo "compose-mage-secrets: $file is missing; run scripts/compose-secrets.sh before the first start." >&2
    exit 1
  fi
  cat "$file"
}

load_postgres() {
  local password
  password="$(postgres_password)"
  printf 'PG_HOST=warehouse\nPG_PORT=5432\nPG_DATABASE=qbo\nPG_USER=qbo\nPG_PASSWORD=%s\n' "$password" \
    | in_mage load --stdin "${PG_NAMES[@]}"
}

load_sandbox() {
  # The sandbox prints one JSON line with its throw-away credentials when it starts (new ones at every start).
  # Its URLs name the address it listens on; Mage reaches it by service name, so they are rewritten to sandbox:8081.
  local line password
  password="$(postgres_password)"
  # The profile is named explicitly: not every Compose enables a service's profile when the service is named.
  local logs
  if ! logs="$("${dc[@]}" --profile sandbox logs --no-color --no-log-prefix sandbox 2>&1)"; then
    echo "compose-mage-secrets: could not read the logs of the \`sandbox\` service (profile \`sandbox\`):" \
      "$(printf '%s\n' "$logs" | grep -v '"refreshToken"' | tail -n 3)" \
      "Start it with: docker compose --profile sandbox up -d" >&2
    exit 1
  fi
  line="$(printf '%s\n' "$logs" | grep '"refreshToken"' | tail -n 1 || true)"
  if [ -z "$line" ]; then
    echo "compose-mage-secrets: the \`sandbox\` service (profile \`sandbox\`) has printed no credentials: it is not" \
      "running in this Compose project. Start it with: docker compose --profile sandbox up -d" >&2
    exit 1
  fi
  line="$(printf '%s\n' "$line" | sed -E 's#"(baseUrl|tokenUrl)":"https?://[^/"]+#"\1":"http://sandbox:8081#g')"
  # printf is a shell builtin: the database password is on no command line
  printf '%s,"pg":{"host":"warehouse","port":5432,"database":"qbo","user":"qbo","password":"%s"}}\n' \
    "${line%\}*}" "$password" \
    | "${dc[@]}" exec -T mage python scripts/mage-sandbox-secrets.py
}

case "${1:-}" in
  --list) in_mage list ;;
  --postgres) load_postgres ;;
  --stdin) load_postgres && in_mage load --stdin "${QBO_NAMES[@]}" ;;
  --sandbox) load_sandbox ;;
  "")
    load_postgres
    # a terminal for the hidden prompts of scripts/mage-secrets.py
    "${dc[@]}" exec mage python scripts/mage-secrets.py load "${QBO_NAMES[@]}" ;;
  *)
    sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 64 ;;
esac
