"""qb_customers_backfill, exporter: a thin shim; the work is done by ts-blocks/dist/blocks/exporter.js via the bridge."""
if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter

from mage_project.utils.bridge import run_block


@data_exporter
def qb_customers_exporter(*upstream, **kwargs):
    return run_block('exporter', 'customers', *upstream, **kwargs)
