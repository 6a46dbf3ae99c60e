import { promises as fs } from 'node:fs';

/** Makes a rename durable: fsync the directory that holds the entry. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
