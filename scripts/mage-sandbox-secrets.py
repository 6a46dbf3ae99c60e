#!/usr/bin/env python3
"""Loads the local QBO sandbox's throw-away values, and where PostgreSQL is, into Mage Secrets (demo and tests).

Reads ONE JSON object on stdin: the line `npm run sandbox` prints
  {"baseUrl", "tokenUrl", "realmId", "clientId", "clientSecret", "refreshToken"}
plus the database, either `"pgUrl": "postgres://user:password@host:port/database"` or
`"pg": {"host", "port", "database", "user", "password"}`. Sets QBO_ENV=sandbox, QBO_API_BASE_URL and QBO_TOKEN_URL
to the sandbox, and the PG_* secrets. Prints the names it stored, never a value. Run via scripts/mage.sh.
"""
import json
import os
import sys
from typing import Any, Dict
from urllib.parse import unquote, urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from mage_project.utils import mage_secrets  # noqa: E402

SANDBOX_FIELDS = {
    'clientId': 'QBO_CLIENT_ID',
    'clientSecret': 'QBO_CLIENT_SECRET',
    'realmId': 'QBO_REALM_ID',
    'refreshToken': 'QBO_REFRESH_TOKEN',
    'baseUrl': 'QBO_API_BASE_URL',
    'tokenUrl': 'QBO_TOKEN_URL',
}


def _pg_from_url(url: str) -> Dict[str, Any]:
    parsed = urlparse(url)
    if parsed.scheme not in ('postgres', 'postgresql') or not parsed.hostname:
        raise SystemExit('pgUrl must be a postgres://user:password@host:port/database URL.')
    return {
        'host': parsed.hostname,
        'port': parsed.port or 5432,
        'database': unquote(parsed.path.lstrip('/')) or 'postgres',
        'user': unquote(parsed.username or 'postgres'),
        'password': unquote(parsed.password or ''),
    }


def secrets_from(doc: Dict[str, Any]) -> Dict[str, str]:
    missing = [field for field in SANDBOX_FIELDS if not doc.get(field)]
    pg = _pg_from_url(doc['pgUrl']) if doc.get('pgUrl') else doc.get('pg')
    if not isinstance(pg, dict):
        missing.append('pgUrl (or pg)')
    if missing:
        raise SystemExit(f'The JSON on stdin lacks: {", ".join(missing)}.')
    values = {name: str(doc[field]) for field, name in SANDBOX_FIELDS.items()}
    values['QBO_ENV'] = 'sandbox'
    for key in ('host', 'port', 'database', 'user', 'password'):
        values[f'PG_{key.upper()}'] = '' if pg.get(key) is None else str(pg[key])
    return values


def main() -> None:
    try:
        doc = json.loads(sys.stdin.readline())
    except ValueError:
        raise SystemExit('stdin must hold one JSON object (the sandbox line plus pgUrl).') from None
    if not isinstance(doc, dict):
        raise SystemExit('stdin must hold one JSON object (the sandbox line plus pgUrl).')
    values = secrets_from(doc)
    mage_secrets.open_project(os.getenv('QBO_MAGE_PROJECT') or os.path.join(ROOT, 'mage_project'))
    print(f'Stored in Mage Secrets: {", ".join(mage_secrets.store_secrets(values))}.')


if __name__ == '__main__':
    main()
