import { createServer } from 'node:net';
import { freePort } from '../../src/core/free-port';

describe('freePort', () => {
  it('gives a port on 127.0.0.1 that a server can then listen on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const srv = createServer();
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', resolve);
    });
    const address = srv.address();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
    expect(typeof address === 'object' && address ? address.port : 0).toBe(port);
  });
});
