#!/usr/bin/env python3
"""Loads the project's credentials into Mage Secrets, lists their names, deletes them. Never prints a value.

  scripts/mage.sh secrets load [NAME ...]           prompt for each name (hidden input; Enter keeps the current value)
  scripts/mage.sh secrets load --stdin [NAME ...]   read NAME=value lines from stdin (e.g. piped from a password
                                                    manager); blank lines and # comments are ignored
  scripts/mage.sh secrets list                      each name: set / missing (values are never shown)
  scripts/mage.sh secrets delete NAME ...

Values are read from a prompt or stdin only, never from a file argument: credentials do not belong in files of
this repository. Run through scripts/mage.sh (it selects the venv and MAGE_DATA_DIR).
"""
import argparse
import getpass
import os
import sys
from typing import Dict, List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from mage_project.utils import mage_secrets  # noqa: E402

PURPOSES = {
    'QBO_CLIENT_ID': 'Intuit app client id',
    'QBO_CLIENT_SECRET': 'Intuit app client secret',
    'QBO_REALM_ID': 'QBO company (realm) id',
    'QBO_REFRESH_TOKEN': 'OAuth refresh token (rotated automatically by the pipelines)',
    'QBO_ENV': 'sandbox or production',
    'QBO_API_BASE_URL': 'optional: API base URL other than Intuit\'s (local sandbox)',
    'QBO_TOKEN_URL': 'optional: OAuth token URL other than Intuit\'s (local sandbox)',
    'PG_HOST': 'PostgreSQL host (the compose service name `warehouse` in Docker)',
    'PG_PORT': 'PostgreSQL port',
    'PG_DATABASE': 'PostgreSQL database holding the raw and ops schemas',
    'PG_USER': 'PostgreSQL user',
    'PG_PASSWORD': 'PostgreSQL password (may be empty for trust authentication)',
}


def _check_names(names: List[str]) -> List[str]:
    unknown = [n for n in names if n not in mage_secrets.ALL_SECRETS]
    if unknown:
        raise SystemExit(f'Unknown secret name(s): {", ".join(unknown)}. Known: {", ".join(mage_secrets.ALL_SECRETS)}.')
    return names or list(mage_secrets.ALL_SECRETS)


def _read_stdin(names: List[str]) -> Dict[str, str]:
    values: Dict[str, str] = {}
    for number, raw in enumerate(sys.stdin, start=1):
        line = raw.rstrip('\r\n')
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        name, sep, value = line.partition('=')
        name = name.strip()
        if not sep:
            raise SystemExit(f'stdin line {number}: expected NAME=value (the value is not shown).')
        if name not in names:
            raise SystemExit(f'stdin line {number}: {name!r} is not one of {", ".join(names)}.')
        values[name] = value
    return values


def _prompt(names: List[str], present: set) -> Dict[str, str]:
    if not sys.stdin.isatty():
        raise SystemExit('No terminal to prompt on: pipe NAME=value lines with `secrets load --stdin`.')
    values: Dict[str, str] = {}
    for name in names:
        state = 'set; Enter keeps it' if name in present else 'missing'
        value = getpass.getpass(f'{name} - {PURPOSES[name]} [{state}]: ')
        if value:
            values[name] = value
    return values


def load(names: List[str], from_stdin: bool) -> None:
    names = _check_names(names)
    values = _read_stdin(names) if from_stdin else _prompt(names, set(mage_secrets.secret_names()))
    stored = mage_secrets.store_secrets(values)
    print(f'Stored in Mage Secrets: {", ".join(stored) if stored else "nothing"}.')
    missing = [n for n in mage_secrets.REQUIRED_SECRETS if n not in mage_secrets.secret_names()]
    if missing:
        print(f'Still missing (the pipelines need them): {", ".join(missing)}.')


def list_names() -> None:
    present = set(mage_secrets.secret_names())
    for name in mage_secrets.ALL_SECRETS:
        kind = 'required' if name in mage_secrets.REQUIRED_SECRETS else 'optional'
        print(f'{name:<18} {"set" if name in present else "missing":<8} {kind:<9} {PURPOSES[name]}')
    for name in sorted(present - set(mage_secrets.ALL_SECRETS)):
        print(f'{name:<18} set      other')


def main(argv: List[str]) -> None:
    parser = argparse.ArgumentParser(prog='scripts/mage.sh secrets', description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    p_load = sub.add_parser('load', help='store values from a prompt or from stdin')
    p_load.add_argument('--stdin', action='store_true', help='read NAME=value lines from stdin')
    p_load.add_argument('names', nargs='*', metavar='NAME')
    sub.add_parser('list', help='show which secrets are set (names only)')
    p_delete = sub.add_parser('delete', help='remove secrets')
    p_delete.add_argument('names', nargs='+', metavar='NAME')
    args = parser.parse_args(argv)

    mage_secrets.open_project(os.getenv('QBO_MAGE_PROJECT') or os.path.join(ROOT, 'mage_project'))
    if args.command == 'load':
        load(args.names, args.stdin)
    elif args.command == 'list':
        list_names()
    else:
        mage_secrets.delete_secrets(_check_names(args.names))
        print(f'Deleted from Mage Secrets: {", ".join(args.names)}.')


if __name__ == '__main__':
    main(sys.argv[1:])
