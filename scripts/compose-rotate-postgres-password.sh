#!/usr/bin/env bash
# Rotates the password of the warehouse's `qbo` role in the running Compose deployment, keeping the three places
# that hold it in step: the database role, the PG_PASSWORD Mage Secret and docker/secrets/postgres_password.
# The new value is random and never printed; it travels on standard input only.
#
#   scripts/compose-rotate-postgres-password.sh
#
# Order: the new value is first saved beside the old one (postgres_password.new, 0600), then set on the role,
# then stored in Mage Secrets, and only then replaces the file. If a step fails, the message says which, and the
# .new file holds the value the database may already use. QBO_DOCKER_COMPOSE replaces `docker compose` (tests).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
read -r -a dc <<<"${QBO_DOCKER_COMPOSE:-docker compose}"
file="${QBO_COMPOSE_SECRETS_DIR:-$here/docker/secrets}/postgres_password"
pending="$file.new"

fail() {
  echo "compose-rotate-postgres-password: $1" >&2
  exit 1
}

[ -s "$file" ] || fail "$file is missing; run scripts/compose-secrets.sh and start the stack first."
[ ! -e "$pending" ] || fail "$pending exists: a previous rotation did not finish. If the database already uses it,
  load it with: printf 'PG_PASSWORD=%s\\n' \"\$(cat $pending)\" | docker compose exec -T mage python scripts/mage-secrets.py load --stdin PG_PASSWORD
  then: mv $pending $file. Otherwise delete it and run this again."

(umask 077 && od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$pending")
new="$(cat "$pending")"

# psql in the container connects over the local socket; the statement (with the value) is on stdin.
printf "ALTER ROLE qbo PASSWORD '%s';\n" "$new" \
  | "${dc[@]}" exec -T warehouse psql --quiet --no-psqlrc -v ON_ERROR_STOP=1 -U qbo -d qbo \
  || { rm -f "$pending"; fail "the role's password could not be changed; nothing was changed."; }

printf 'PG_PASSWORD=%s\n' "$new" \
  | "${dc[@]}" exec -T mage python scripts/mage-secrets.py load --stdin PG_PASSWORD \
  || fail "the database now uses the password in $pending, but Mage Secrets still hold the old one. Load it into
  PG_PASSWORD (see README \"Secrets management\"), then: mv $pending $file"

chmod 0600 "$pending"
mv "$pending" "$file"
echo "Rotated: role qbo, Mage Secret PG_PASSWORD and $file now hold the same new password."
