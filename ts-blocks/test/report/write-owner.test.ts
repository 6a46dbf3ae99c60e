/**
 * Report files written as root (the Compose `mage` container) into a bind-mounted folder that a user owns take
 * that user as owner: a Compose run leaves no root-owned files in the user's checkout.
 */
import { chownSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReports } from '../../src/report/write';
import { sampleReport } from './report-fixture';

const USER_UID = 4242;
const asRoot = process.getuid?.() === 0;

function ownersUnder(dir: string): Set<number> {
  const owners = new Set<number>();
  for (const name of readdirSync(dir, { recursive: true }) as string[]) owners.add(statSync(join(dir, name)).uid);
  return owners;
}

describe('report files and their owner', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qbo-report-owner-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  (asRoot ? it : it.skip)('take the owner of the evidence folder when written as root into a user\'s folder', () => {
    chownSync(dir, USER_UID, USER_UID);
    const paths = writeReports(sampleReport(), { outDir: dir });
    expect(ownersUnder(dir)).toEqual(new Set([USER_UID]));
    expect(statSync(paths.history).gid).toBe(USER_UID);
  });

  it('keep the writer as owner when the evidence folder is the writer\'s own', () => {
    writeReports(sampleReport(), { outDir: dir });
    expect(ownersUnder(dir)).toEqual(new Set([process.getuid?.()]));
  });
});
