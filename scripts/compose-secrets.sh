#!/usr/bin/env bash
# Creates, once, the Docker secrets files docker-compose.yml reads: random passwords for the warehouse's `qbo`
# role, the pgAdmin login and the Mage owner account. Existing files are kept (the database only reads its
# password when its volume is first initialised), so running this again is safe. Values are never printed.
#
#   scripts/compose-secrets.sh            creates what is missing under docker/secrets/ (git-ignored)
#   QBO_COMPOSE_SECRETS_DIR=DIR ...       somewhere else (the directory must stay out of the repository)
#
# The directory is 0700 so other users of this machine cannot read it. Inside it the files are 0600, except
# pgadmin_password, which is 0644: Compose bind-mounts secrets files with their host permissions, and pgAdmin
# reads its password as its own unprivileged user (uid 5050), while PostgreSQL and Mage read theirs as root.
#
# It also creates the folder the `mage` service writes its run reports into (.run/compose/evidencias, git-ignored;
# QBO_COMPOSE_EVIDENCE_DIR elsewhere), as the user running it: the reports then belong to that user, not to root.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${QBO_COMPOSE_SECRETS_DIR:-$here/docker/secrets}"

random_password() {
  # 24 random bytes as 48 hex characters: safe in URLs, shells and every config format.
  od -An -tx1 -N24 /dev/urandom | tr -d ' \n'
}

create_secret() {
  local name="$1" mode="$2" file="$dir/$1"
  if [ -s "$file" ]; then
    chmod "$mode" "$file"
    echo "kept     $file"
    return
  fi
  (umask 077 && random_password >"$file.tmp")
  chmod "$mode" "$file.tmp"
  mv "$file.tmp" "$file"
  echo "created  $file"
}

mkdir -p "$dir"
chmod 0700 "$dir"
create_secret postgres_password 0600
create_secret mage_owner_password 0600
create_secret pgadmin_password 0644
reports="${QBO_COMPOSE_EVIDENCE_DIR:-.run/compose/evidencias}"
case "$reports" in /*) ;; *) reports="$here/$reports" ;; esac
mkdir -p "$reports"
echo "reports  $reports"
cat <<MSG

Docker secrets are ready in $dir (never commit them).
Next: docker compose up -d --build, then load the Mage Secrets as README.md "Secrets management" explains.
MSG
