import { resolve } from 'node:path';

/** The repository root (this file lives at ts-blocks/{src,dist}/config/, three levels down). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** Spool files: `<repo>/.spool` unless QBO_SPOOL_DIR says otherwise (git-ignored). */
export const DEFAULT_SPOOL_DIR = resolve(REPO_ROOT, '.spool');
/** The CLI's rotated refresh token: `<repo>/.qbo-token.json` unless QBO_TOKEN_FILE says otherwise (git-ignored). */
export const DEFAULT_TOKEN_FILE = resolve(REPO_ROOT, '.qbo-token.json');
