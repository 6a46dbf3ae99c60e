"""qb_items_backfill, validator: a thin shim; the work is done by ts-blocks/dist/blocks/validator.js via the bridge."""
if 'custom' not in globals():
    from mage_ai.data_preparation.decorators import custom

from mage_project.utils.bridge import run_block


@custom
def qb_items_validator(*upstream, **kwargs):
    return run_block('validator', 'items', *upstream, **kwargs)
