#!/usr/bin/env bash
# Creates (once) and prints the path of the Python venv holding the pinned mage-ai (mage_project/requirements-mage.txt),
# through scripts/pinned-venv.sh: cached outside the repository by the requirements' hash, one install at a time;
# stdout is the venv path alone, the first install shows pip's progress on stderr.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$here/scripts/pinned-venv.sh" "$here/mage_project/requirements-mage.txt" mage-venv mage mage-ai ${QBO_MAGE_VENV:+"$QBO_MAGE_VENV"}
