"""Runs singer-io's tap-quickbooks 2.5.0 unchanged, with its three hard-coded hosts pointed at `base` (argv[1]).

Usage: run_tap_quickbooks.py <base> <the tap's own arguments…>. The tap keeps its hosts in module constants
(PROD_ENDPOINT_BASE, SANDBOX_ENDPOINT_BASE, TOKEN_REFRESH_URL) and offers no setting for them.
"""
import sys

import tap_quickbooks.client as client

base = sys.argv[1]
sys.argv = [sys.argv[0]] + sys.argv[2:]
client.PROD_ENDPOINT_BASE = base
client.SANDBOX_ENDPOINT_BASE = base
client.TOKEN_REFRESH_URL = base + "/oauth2/v1/tokens/bearer"

from tap_quickbooks import main  # noqa: E402  (after the hosts are set)

main()
