"""Run inside the Compose deployment's `mage` container by scripts/compose-e2e.sh (`exec -T mage python -` with this
file on stdin): reads the PG_* Mage Secrets (so they must still decrypt), connects to the warehouse by its service
name with psql, and prints one JSON object (on a line starting `compose-e2e-probe `): per entity, the raw table's row count, how many realms its rows came
from, and the latest successful run's source count (QBO COUNT(*) summed over its windows) and number of runs.
Never prints a secret value."""
import json
import os
import subprocess
import sys

sys.path.insert(0, '/home/src')
from mage_project.utils import mage_secrets  # noqa: E402

mage_secrets.open_project('/home/src/mage_project')
pg = {name: mage_secrets.mage_secret_value(name) for name in ('PG_HOST', 'PG_PORT', 'PG_DATABASE', 'PG_USER', 'PG_PASSWORD')}
missing = [name for name, value in pg.items() if value is None]
if missing:
    sys.exit(f'compose-e2e-probe: Mage Secrets lack {", ".join(missing)}')

QUERY = """
SELECT json_object_agg(e.entity, json_build_object(
  'rows', e.rows, 'realms', e.realms,
  'runs', (SELECT count(*) FROM ops.backfill_runs r WHERE r.entity = e.entity AND r.status = 'succeeded'),
  'source_count', (SELECT sum(c.source_count) FROM ops.backfill_chunks c WHERE c.run_id = (
     SELECT r.run_id FROM ops.backfill_runs r WHERE r.entity = e.entity AND r.status = 'succeeded'
      ORDER BY r.started_at_utc DESC LIMIT 1))))
FROM (
  SELECT 'items' AS entity, count(*) AS rows, count(DISTINCT realm_id) AS realms FROM raw.qb_items
  UNION ALL SELECT 'customers', count(*), count(DISTINCT realm_id) FROM raw.qb_customers
  UNION ALL SELECT 'invoices', count(*), count(DISTINCT realm_id) FROM raw.qb_invoices
) e
"""
env = dict(os.environ, PGPASSWORD=pg['PG_PASSWORD'] or '', PGCONNECT_TIMEOUT='10')
out = subprocess.run(
    ['psql', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-h', pg['PG_HOST'], '-p', pg['PG_PORT'], '-U', pg['PG_USER'],
     '-d', pg['PG_DATABASE'], '-c', QUERY],
    env=env, capture_output=True, text=True, check=False)
if out.returncode != 0:
    sys.exit(f'compose-e2e-probe: psql to {pg["PG_HOST"]}:{pg["PG_PORT"]} failed: {out.stderr.strip()}')
# one marked line: importing Mage may print notices of its own on stdout
print('compose-e2e-probe ' + json.dumps({'host': pg['PG_HOST'], 'tables': json.loads(out.stdout)}))
