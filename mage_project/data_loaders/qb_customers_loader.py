"""qb_customers_backfill, loader: a thin shim; the work is done by ts-blocks/dist/blocks/loader.js via the bridge."""
if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader

from mage_project.utils.bridge import run_block


@data_loader
def qb_customers_loader(*upstream, **kwargs):
    return run_block('loader', 'customers', *upstream, **kwargs)
