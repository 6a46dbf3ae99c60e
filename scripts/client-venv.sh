#!/usr/bin/env bash
# Creates (once) and prints the path of the Python venv holding the pinned third-party QBO clients
# (python-quickbooks, intuit-oauth, tap-quickbooks) that the sandbox tests run unchanged, through
# scripts/pinned-venv.sh like Mage's. Exit 3: the package index cannot be reached and nothing is cached.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$here/scripts/pinned-venv.sh" "$here/ts-blocks/test/clients/requirements-clients.txt" client-venv python "the QBO client libraries" ${QBO_CLIENT_VENV:+"$QBO_CLIENT_VENV"}
