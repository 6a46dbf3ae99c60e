/**
 * scripts/mage-venv.sh on a first run: pip's progress shows on stderr while stdout stays the venv path alone (the
 * callers read it). A stand-in python and pip (QBO_PYTHON) play the install, so nothing is downloaded.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ensureMageVenv, MAGE_VENV_SH, runCommand } from '../../src/demo/mage-cli';

/** A python whose `-m venv DIR` makes a pip that prints what pip prints (to stdout, as pip does) and installs mage. */
const FAKE_PYTHON = `#!/usr/bin/env bash
if [ "$1" = --version ]; then echo "Python 3.11.9"; exit 0; fi
[ "$1 $2" = "-m venv" ] || exit 9
mkdir -p "$3/bin"
cat > "$3/bin/pip" <<'PIP'
#!/usr/bin/env bash
case " $* " in *" -r "*)
  echo "Collecting mage-ai==0.9.76"
  echo "  Downloading mage_ai-0.9.76-py3-none-any.whl (11.2 MB)"
  echo "Installing collected packages: mage-ai"
  printf '#!/bin/sh\\n' > "$(dirname "$0")/mage"; chmod +x "$(dirname "$0")/mage";;
esac
PIP
chmod +x "$3/bin/pip"
`;

describe('scripts/mage-venv.sh', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'qbo-mage-venv-'));
    writeFileSync(join(dir, 'python'), FAKE_PYTHON);
    chmodSync(join(dir, 'python'), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    env = { PATH: process.env.PATH ?? '', HOME: dir, QBO_PYTHON: join(dir, 'python'), QBO_MAGE_VENV: join(dir, `venv-${Date.now()}`) };
  });

  it('shows the install and pip\'s progress on stderr the first time, and prints only the venv path on stdout', async () => {
    const first = await runCommand(MAGE_VENV_SH, [], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`${env.QBO_MAGE_VENV}\n`);
    expect(first.stderr).toContain(`Installing mage-ai into ${env.QBO_MAGE_VENV} (first time only`);
    expect(first.stderr).toContain('Collecting mage-ai==0.9.76');
    expect(first.stderr).toContain('Downloading mage_ai-0.9.76-py3-none-any.whl (11.2 MB)');
    expect(first.stderr).toContain(`mage-ai is installed in ${env.QBO_MAGE_VENV}.`);
    const again = await runCommand(MAGE_VENV_SH, [], env);
    expect(again).toEqual({ code: 0, stdout: `${env.QBO_MAGE_VENV}\n`, stderr: '' });
  });

  it('is what the demo calls: the progress reaches the given stream as it comes, the path is returned', async () => {
    const progress = new PassThrough();
    let shown = '';
    progress.on('data', (d: Buffer) => (shown += d.toString()));
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      expect(await ensureMageVenv(progress)).toBe(env.QBO_MAGE_VENV);
    } finally {
      for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
      Object.assign(process.env, saved);
    }
    expect(shown).toContain('Collecting mage-ai==0.9.76');
  });
});
