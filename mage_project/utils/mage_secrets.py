"""Mage Secrets as the bridge and the secrets scripts use them: names, reading, writing, listing.

Secrets are global Mage secrets (Settings > Secrets in the UI), Fernet-encrypted in Mage's database with the key
under $MAGE_DATA_DIR/secrets/. Values are never printed, logged or returned anywhere but to the caller.
"""
import glob
import os
from typing import Callable, Dict, Iterable, List, Optional

# Read by every block run. PG_PASSWORD may hold an empty value (a server with trust authentication).
REQUIRED_SECRETS = (
    'QBO_CLIENT_ID',
    'QBO_CLIENT_SECRET',
    'QBO_REALM_ID',
    'QBO_REFRESH_TOKEN',
    'QBO_ENV',
    'PG_HOST',
    'PG_PORT',
    'PG_DATABASE',
    'PG_USER',
    'PG_PASSWORD',
)
# Only for a non-Intuit endpoint (the local QBO sandbox, a proxy); Intuit's URLs follow from QBO_ENV otherwise.
OPTIONAL_SECRETS = ('QBO_API_BASE_URL', 'QBO_TOKEN_URL')
ALL_SECRETS = REQUIRED_SECRETS + OPTIONAL_SECRETS
MAY_BE_EMPTY = frozenset({'PG_PASSWORD'})
# The values that are credentials: redacted from anything the bridge logs (host names, ports, realm ids are not).
CREDENTIALS = ('QBO_CLIENT_ID', 'QBO_CLIENT_SECRET', 'QBO_REFRESH_TOKEN', 'PG_PASSWORD')
REFRESH_TOKEN = 'QBO_REFRESH_TOKEN'

SecretReader = Callable[[str], Optional[str]]


class MissingSecretsError(Exception):
    """One or more required Mage Secrets are absent (the message names them, never a value)."""

    def __init__(self, names: List[str]):
        self.names = names
        super().__init__(
            'Missing Mage Secret' + ('s ' if len(names) > 1 else ' ') + ', '.join(names) + '. '
            'Create ' + ('them' if len(names) > 1 else 'it') + ' in the Mage UI (Settings > Secrets) or with '
            '`scripts/mage.sh secrets load ' + ' '.join(names) + '`, then run the pipeline again.'
        )


class SecretNotStoredError(Exception):
    """Writing a secret did not stick (the value read back differs)."""


def mage_secret_value(name: str) -> Optional[str]:
    from mage_ai.data_preparation.shared.secrets import get_secret_value

    return get_secret_value(name, suppress_warning=True)


def read_block_secrets(read: SecretReader = mage_secret_value) -> Dict[str, str]:
    """All secrets a block needs; raises MissingSecretsError naming every required one that is absent."""
    values: Dict[str, str] = {}
    missing: List[str] = []
    for name in ALL_SECRETS:
        value = read(name)
        if value is None or (value == '' and name not in MAY_BE_EMPTY):
            if name in REQUIRED_SECRETS:
                missing.append(name)
            continue
        values[name] = value
    if missing:
        raise MissingSecretsError(missing)
    return values


def store_secret(name: str, value: str, attempts: int = 3) -> None:
    """Replaces a global secret (Mage has no update: delete, then create) and reads it back."""
    from mage_ai.data_preparation.shared.secrets import create_secret

    last_error: Optional[BaseException] = None
    for _ in range(attempts):
        try:
            _delete_if_present(name)
            create_secret(name, value)
        except Exception as error:  # a concurrent writer (unique name per key): retry from the delete
            last_error = error
            continue
        if mage_secret_value(name) == value:
            make_data_files_private()  # the key file is created with the first secret
            return
    raise SecretNotStoredError(
        f'Could not store Mage Secret {name} after {attempts} attempts'
        + (f' ({type(last_error).__name__})' if last_error else '')
        + '. Check that Mage\'s database is writable and that $MAGE_DATA_DIR/secrets/key is the key the secrets '
        'were created with.'
    )


def _delete_if_present(name: str) -> None:
    # delete_secret() of 0.9.80 raises TypeError for a name it cannot find: only call it for a present secret.
    from mage_ai.data_preparation.shared.secrets import delete_secret

    if mage_secret_value(name) is not None:
        delete_secret(name, suppress_warning=True)


def store_secrets(values: Dict[str, str]) -> List[str]:
    for name, value in values.items():
        store_secret(name, value)
    return sorted(values)


def secret_names() -> List[str]:
    """Names of the global secrets this project can decrypt (never their values)."""
    from mage_ai.data_preparation.shared.secrets import get_valid_secrets_for_repo

    return sorted({secret.name for secret in get_valid_secrets_for_repo()})


def delete_secrets(names: Iterable[str]) -> None:
    for name in names:
        _delete_if_present(name)


def make_data_files_private() -> None:
    """Mage's database and the key of Mage Secrets under $MAGE_DATA_DIR: readable by their owner only (files 0600,
    directories 0700). Mage creates them world-readable (0644) when its umask allows."""
    data_dir = os.environ.get('MAGE_DATA_DIR') or os.path.expanduser('~/.mage_data')
    if not os.path.isdir(data_dir):
        return
    os.chmod(data_dir, 0o700)
    for path in glob.glob(os.path.join(glob.escape(data_dir), '*', 'mage-ai.db*')):
        os.chmod(path, 0o600)
    for root, dirs, files in os.walk(os.path.join(data_dir, 'secrets')):
        os.chmod(root, 0o700)
        for name in files:
            os.chmod(os.path.join(root, name), 0o600)


def open_project(project_path: str) -> None:
    """For scripts outside the Mage server: select the project and create Mage's tables if needed.

    Must run before anything imports mage_ai.orchestration.db (it reads the repo path at import time).
    """
    import os

    from mage_ai.settings.repo import set_repo_path

    set_repo_path(os.path.abspath(project_path))
    from mage_ai.orchestration.db import db_connection
    from mage_ai.orchestration.db.database_manager import database_manager

    database_manager.run_migrations(log_level='WARNING')
    db_connection.start_session()
    make_data_files_private()
