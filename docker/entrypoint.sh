#!/bin/sh
# Entrypoint of the qbo-backfill image (services `mage` and `sandbox` of docker-compose.yml).
#
# Mage creates its owner account from DEFAULT_OWNER_PASSWORD the first time it starts with an empty database.
# docker-compose.yml hands that password in as a Docker secret file (DEFAULT_OWNER_PASSWORD_FILE), so no password
# is written in the compose file or in the container's configuration; it is read here and exported to the
# command only. Without DEFAULT_OWNER_PASSWORD_FILE the command runs unchanged.
set -eu
if [ -n "${DEFAULT_OWNER_PASSWORD_FILE:-}" ]; then
  if [ ! -r "$DEFAULT_OWNER_PASSWORD_FILE" ]; then
    echo "qbo-entrypoint: cannot read DEFAULT_OWNER_PASSWORD_FILE ($DEFAULT_OWNER_PASSWORD_FILE)." \
      "Create the secrets with scripts/compose-secrets.sh on the host, then start again." >&2
    exit 78
  fi
  DEFAULT_OWNER_PASSWORD="$(cat "$DEFAULT_OWNER_PASSWORD_FILE")"
  if [ -z "$DEFAULT_OWNER_PASSWORD" ]; then
    echo "qbo-entrypoint: DEFAULT_OWNER_PASSWORD_FILE ($DEFAULT_OWNER_PASSWORD_FILE) is empty." \
      "Delete it and run scripts/compose-secrets.sh again." >&2
    exit 78
  fi
  export DEFAULT_OWNER_PASSWORD
  unset DEFAULT_OWNER_PASSWORD_FILE
fi
# Mage's database and the key of Mage Secrets (made 0644 by Mage): owner-only, as the secrets tools also leave them.
if [ -n "${MAGE_DATA_DIR:-}" ] && [ -d "$MAGE_DATA_DIR" ]; then
  chmod 700 "$MAGE_DATA_DIR"
  find "$MAGE_DATA_DIR" -maxdepth 2 \( -name 'mage-ai.db*' -o -name secrets \) -exec chmod -R go= {} +
fi
exec "$@"
