#!/usr/bin/env bash
# Deployment test: starts the unchanged Dockerfile and docker-compose.yml for real and runs the three pipelines in
# them. Part of `npm test`; also runs alone: scripts/compose-e2e.sh (needs root for podman; minutes, see README.md).
#
#  1. copies the working tree as a fresh clone has it (tracked and untracked, not git-ignored files) to a temporary
#     directory, creates its Docker secrets with scripts/compose-secrets.sh;
#  2. engine: Docker Engine with Compose v2 when `docker info` answers; otherwise podman + podman-compose with the
#     stand-in base images of ts-blocks/test/deploy/standins (built once, cached);
#  3. `up -d --build` with the sandbox profile, waits for the health checks, Mage on 127.0.0.1:6789 and pgAdmin on
#     127.0.0.1:8080 from this machine;
#  4. loads the Mage Secrets with scripts/compose-mage-secrets.sh --sandbox, runs qb_items/customers/invoices_backfill
#     with `exec -T mage mage run …`, then items once more through the scheduler (one-time trigger armed through
#     Mage's API, ending inactive); checks the raw tables from the mage container by service name (warehouse), the
#     server pre-registered in pgAdmin, and that the reports are owned by the owner of the reports directory;
#  5. `down` then `up`: the data and Mage Secrets are still there; `down -v` leaves no container, network or volume.
#
# The project is named qbo-backfill-e2e (not the compose file's qbo-backfill), so a developer's own stack and its
# volumes are never touched; the published ports must be free. Everything it creates is removed on exit, even on
# failure. QBO_SKIP_COMPOSE_E2E=1 skips it (saying so).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project=qbo-backfill-e2e
window_from=2021-01-01T00:00:00Z
window_to=2026-01-01T00:00:00Z
ports=(6789 8080 8081 5433)
report_uid=4242 # owner given to the reports directory when this runs as root, to prove reports take its owner
t0=$SECONDS

say() { printf 'compose-e2e [%4ss] %s\n' "$((SECONDS - t0))" "$*"; }
fail() { printf 'compose-e2e: FAILED: %s\n' "$*" >&2; exit 1; }

if [ "${QBO_SKIP_COMPOSE_E2E:-}" = 1 ]; then
  echo "compose-e2e: SKIPPED (QBO_SKIP_COMPOSE_E2E=1): the Compose deployment was NOT started." >&2
  exit 0
fi

# --- engine -------------------------------------------------------------------------------------------------------
choose_engine() {
  if command -v docker >/dev/null && docker info >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
    engine=docker
    dc=(docker compose -p "$project")
  elif command -v podman >/dev/null; then
    engine=podman
    local pc
    pc="$("$repo/ts-blocks/test/deploy/standins/podman-compose.sh")"
    dc=("$pc" -p "$project")
    "$repo/ts-blocks/test/deploy/standins/build.sh"
  else
    fail "no container engine: neither Docker Engine with Compose v2 (\`docker info\` must answer) nor podman is" \
      "installed. Install one (.ci/run installs podman, runc, debootstrap and podman-compose), or set" \
      "QBO_SKIP_COMPOSE_E2E=1 to skip this test knowingly."
  fi
  say "engine: $engine (${dc[*]})"
}

ports_free() {
  local p
  for p in "${ports[@]}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      fail "127.0.0.1:$p is in use; docker-compose.yml publishes it. Stop what listens there (another" \
        "\`docker compose up\` of this project?) and run again."
    fi
  done
}

# --- the clean copy -------------------------------------------------------------------------------------------------
# one digest of the committed evidencias/ of the copy: a Compose run must leave it as it was
committed_reports_digest() { (cd "$src" && find evidencias -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }

make_clone() {
  work="$(mktemp -d "${TMPDIR:-/tmp}/qbo-compose-e2e.XXXXXX")"
  src="$work/qbo-backfill"
  mkdir -p "$src"
  (cd "$repo" && git ls-files -z --cached --others --exclude-standard \
    | tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null) | tar -C "$src" -xf -
  [ -f "$src/docker-compose.yml" ] && [ -f "$src/Dockerfile" ] || fail "could not copy the working tree to $src"
  "$src/scripts/compose-secrets.sh" >/dev/null
  tracked_reports="$(committed_reports_digest)"
  say "clean copy in $src"
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "${src:-}" ] && [ ${#dc[@]} -gt 0 ]; then
    if [ "$status" != 0 ]; then
      echo "--- last log lines of the services" >&2
      (cd "$src" && "${dc[@]}" --profile sandbox logs --tail 40 2>&1 | tail -n 120) >&2 || true
    fi
    (cd "$src" && "${dc[@]}" --profile sandbox down -v --remove-orphans >/dev/null 2>&1) || true
  fi
  [ -n "${work:-}" ] && rm -rf "$work"
  exit "$status"
}

compose() { (cd "$src" && "${dc[@]}" --profile sandbox "$@"); }

# --- waiting --------------------------------------------------------------------------------------------------------
container_of() {
  "$engine" ps -aq --filter "label=com.docker.compose.project=$project" \
    --filter "label=com.docker.compose.service=$1" | head -n 1
}

# healthy SERVICE TIMEOUT: the service's health check passes (podman without systemd runs checks only on request)
healthy() {
  local service="$1" deadline=$((SECONDS + $2)) id state health
  while :; do
    id="$(container_of "$service")"
    [ -n "$id" ] || fail "no container for service $service"
    [ "$engine" = podman ] && podman healthcheck run "$id" >/dev/null 2>&1 || true
    state="$("$engine" inspect --format '{{.State.Status}}' "$id")"
    health="$("$engine" inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$id")"
    [ "$health" = healthy ] && break
    [ "$state" = running ] || fail "service $service is $state: $("$engine" logs --tail 20 "$id" 2>&1)"
    [ "$SECONDS" -lt "$deadline" ] || fail "service $service not healthy after $2 s (health: ${health:-none})"
    sleep 3
  done
  say "$service healthy"
}

# answers URL PATTERN TIMEOUT: from this machine, URL returns HTTP 200 with a body matching PATTERN
answers() {
  local deadline=$((SECONDS + $3)) body
  until body="$(curl --silent --fail --max-time 10 "$1")" && grep -q -- "$2" <<<"$body"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$1 does not answer with \"$2\" after $3 s"
    sleep 3
  done
  say "$1 answers from this machine"
}

start_stack() {
  compose up -d "$@" >"$work/up.log" 2>&1 || { tail -n 40 "$work/up.log" >&2; fail "compose up $* failed"; }
  healthy warehouse 180
  healthy mage 300
  answers http://127.0.0.1:6789/ '<' 120
  answers http://127.0.0.1:8080/misc/ping PING 180
  answers http://127.0.0.1:8080/login pgAdmin 60
}

# --- checks ---------------------------------------------------------------------------------------------------------
load_secrets() {
  local deadline=$((SECONDS + 60))
  until compose logs --no-color sandbox 2>/dev/null | grep -q '"refreshToken"'; do
    [ "$SECONDS" -lt "$deadline" ] || fail "the sandbox service printed no credentials in 60 s"
    sleep 2
  done
  # no COMPOSE_PROFILES here: the script itself must enable the sandbox profile
  (cd "$src" && env -u COMPOSE_PROFILES QBO_DOCKER_COMPOSE="${dc[*]}" scripts/compose-mage-secrets.sh --sandbox) \
    >"$work/secrets.log" 2>&1 || { cat "$work/secrets.log" >&2; fail "scripts/compose-mage-secrets.sh --sandbox"; }
  secret_names >"$work/secrets.before"
  [ "$(wc -l <"$work/secrets.before")" -ge 12 ] || fail "Mage Secrets hold only: $(tr '\n' ' ' <"$work/secrets.before")"
  say "Mage Secrets loaded: $(wc -l <"$work/secrets.before") names"
}

secret_names() {
  local out
  out="$(cd "$src" && QBO_DOCKER_COMPOSE="${dc[*]}" scripts/compose-mage-secrets.sh --list 2>"$work/list.err")" \
    || { cat "$work/list.err" >&2; fail "scripts/compose-mage-secrets.sh --list"; }
  awk '$2 == "set" {print $1}' <<<"$out" | sort
}

run_pipeline() {
  local entity="$1" vars
  vars="{\"fecha_inicio\": \"$window_from\", \"fecha_fin\": \"$window_to\"}"
  compose exec -T mage mage run mage_project "qb_${entity}_backfill" --runtime-vars "$vars" >"$work/run-$entity.log" 2>&1 \
    || { tail -n 40 "$work/run-$entity.log" >&2; fail "mage run qb_${entity}_backfill"; }
  say "mage run qb_${entity}_backfill: done"
}

# probe: the raw tables and run ledger as the mage container sees them (Mage Secrets -> warehouse:5432)
probe() {
  local out
  out="$(compose exec -T mage python - <"$repo/ts-blocks/test/deploy/compose-e2e-probe.py" 2>"$work/probe.err")" \
    || { cat "$work/probe.err" >&2; fail "the probe in the mage container"; }
  sed -n 's/^compose-e2e-probe //p' <<<"$out"
}

# check_tables RUNS [PREVIOUS]: every raw table holds the rows the latest run counted in QBO, from one realm, after
# exactly RUNS (JSON, per entity) successful runs; with PREVIOUS (an earlier result), the same rows as then
check_tables() {
  local json
  json="$(probe)"
  node -e '
    const [json, runs, before] = [JSON.parse(process.argv[1]), JSON.parse(process.argv[2]), JSON.parse(process.argv[3] || "null")];
    const bad = [];
    if (json.host !== "warehouse") bad.push(`PG_HOST is ${json.host}, not the service name warehouse`);
    for (const e of ["items", "customers", "invoices"]) {
      const t = json.tables[e];
      if (!(t.rows > 0)) bad.push(`raw.qb_${e} is empty`);
      if (t.rows !== Number(t.source_count)) bad.push(`raw.qb_${e} holds ${t.rows} rows, QBO counted ${t.source_count}`);
      if (t.realms !== 1) bad.push(`raw.qb_${e} rows come from ${t.realms} realms`);
      if (t.runs !== runs[e]) bad.push(`${t.runs} succeeded runs of ${e} in the ledger, expected ${runs[e]}`);
      if (before && t.rows !== before.tables[e].rows) bad.push(`raw.qb_${e}: ${t.rows} rows, ${before.tables[e].rows} before`);
    }
    if (bad.length) { console.error(bad.join("\n")); process.exit(1); }
  ' "$json" "$1" "${2:-}" || fail "raw tables: $json"
  say "raw tables through mage -> warehouse: $json"
  last_tables="$json"
}

run_scheduler() {
  (cd "$repo" && QBO_MAGE_OWNER_PASSWORD_FILE="$src/docker/secrets/mage_owner_password" \
    npx --no-install tsx scripts/compose-e2e-scheduler.ts http://127.0.0.1:6789 "$src" items "$window_from" "$window_to") \
    | while read -r line; do say "$line"; done
  [ "${PIPESTATUS[0]}" = 0 ] || fail "the scheduled run"
}

# the one-step re-run of a finished one-time trigger, as docs/deployment.md gives it, inside the mage container
rerun_in_container() {
  compose exec -T mage python scripts/mage-rerun.py qb_items_backfill >"$work/rerun.log" 2>&1 \
    || { tail -n 40 "$work/rerun.log" >&2; fail "scripts/mage-rerun.py qb_items_backfill in the mage container"; }
  grep -q '^Pipeline run [0-9]* completed\.$' "$work/rerun.log" || { cat "$work/rerun.log" >&2; fail "the re-run did not complete"; }
  say "re-run of the finished trigger (scripts/mage-rerun.py in the container): $(grep -m1 '^Pipeline run' "$work/rerun.log")"
}

# Mage's database and the key of Mage Secrets in the mage_data volume are owner-only (the entrypoint sees to it)
check_private_mage_data() {
  local open
  open="$(compose exec -T mage sh -c 'find "$MAGE_DATA_DIR" -maxdepth 3 \( -name "mage-ai.db*" -o -path "*/secrets*" \) -perm /077' \
    2>"$work/perm.err")" || { cat "$work/perm.err" >&2; fail "listing Mage's data directory in the container"; }
  [ -z "$open" ] || fail "readable by others in the mage container: $open"
  say "Mage's database and secrets key in the container: owner-only"
}

# pgAdmin lists the warehouse server from docker/pgadmin/servers.json, and reaches warehouse:5432 by name
check_pgadmin() {
  local dump
  dump="$(compose exec -T pgadmin sh -c '/venv/bin/python3 /pgadmin4/setup.py dump-servers /tmp/e2e-servers.json \
      --user admin@example.com >/dev/null && cat /tmp/e2e-servers.json && rm -f /tmp/e2e-servers.json' \
      2>"$work/pgadmin.err")" || { cat "$work/pgadmin.err" >&2; fail "pgAdmin's setup.py dump-servers"; }
  node -e '
    const s = Object.values(JSON.parse(process.argv[1]).Servers ?? {});
    const ok = s.some((x) => x.Name === "qbo-backfill warehouse" && x.Host === "warehouse" && x.Port === 5432 &&
      x.Username === "qbo" && x.MaintenanceDB === "qbo");
    if (!ok) { console.error(JSON.stringify(s)); process.exit(1); }
  ' "$dump" || fail "pgAdmin has not pre-registered the warehouse server"
  compose exec -T pgadmin /venv/bin/python3 -c \
    'import socket; socket.create_connection(("warehouse", 5432), 10).close()' \
    || fail "pgAdmin's container cannot reach warehouse:5432"
  say "pgAdmin: server \"qbo-backfill warehouse\" (warehouse:5432) pre-registered and reachable"
}

# the reports of the Compose runs are in the directory docker-compose.yml mounts, owned by that directory's owner;
# the committed evidencias/ is untouched
check_reports() {
  local dir="$src/.run/compose/evidencias" owner others count
  owner="$(stat -c %u "$dir")"
  count="$(find "$dir" -name report.md | wc -l)"
  [ "$count" = 3 ] || fail "$count report.md files under $dir, expected one per entity"
  others="$(find "$dir" ! -uid "$owner" | head -n 5)"
  [ -z "$others" ] || fail "report files not owned by uid $owner (the directory's owner): $others"
  [ "$(committed_reports_digest)" = "$tracked_reports" ] \
    || fail "a Compose run changed the committed evidencias/"
  say "reports: $(find "$dir" -type f | wc -l) files in .run/compose/evidencias, all owned by uid $owner"
}

restart() {
  compose down >/dev/null 2>&1 || fail "compose down"
  [ -z "$(container_of mage)$(container_of warehouse)" ] || fail "containers left after compose down"
  say "down: containers removed, volumes kept"
  start_stack
  secret_names >"$work/secrets.after"
  diff "$work/secrets.before" "$work/secrets.after" >&2 || fail "Mage Secrets changed across down/up"
  say "Mage Secrets kept across down/up"
}

down_v() {
  compose down -v >/dev/null 2>&1 || fail "compose down -v"
  local left
  left="$("$engine" ps -aq --filter "label=com.docker.compose.project=$project")"
  left+="$("$engine" volume ls -q | grep "^${project}_" || true)"
  left+="$("$engine" network ls --format '{{.Name}}' | grep "^${project}_" || true)"
  [ -z "$left" ] || fail "left after down -v: $left"
  say "down -v: no container, volume or network of $project left"
}

main() {
  dc=()
  choose_engine
  mkdir -p "${XDG_CACHE_HOME:-$HOME/.cache}/qbo-backfill"
  exec 8>"${XDG_CACHE_HOME:-$HOME/.cache}/qbo-backfill/compose-e2e.lock"
  flock 8
  ports_free
  trap cleanup EXIT INT TERM
  make_clone
  mkdir -p "$src/.run/compose/evidencias"
  [ "$(id -u)" = 0 ] && chown "$report_uid:$report_uid" "$src/.run/compose/evidencias"
  say "building the project image (unchanged Dockerfile)"
  compose build mage >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; fail "building the image"; }
  say "starting the stack"
  start_stack
  load_secrets
  local e
  for e in items customers invoices; do run_pipeline "$e"; done
  check_tables '{"items":1,"customers":1,"invoices":1}'
  local first="$last_tables"
  run_scheduler
  check_tables '{"items":2,"customers":1,"invoices":1}' "$first"
  rerun_in_container
  check_tables '{"items":3,"customers":1,"invoices":1}' "$first"
  check_private_mage_data
  check_pgadmin
  check_reports
  restart
  check_tables '{"items":3,"customers":1,"invoices":1}' "$first"
  down_v
  say "PASSED"
}

# one line, read whole: an edit of this file while it runs cannot change what it does next
main "$@"; exit
