/** How a process names itself to other processes (lease rows, the run lock's connection): role, pid and host. */
import { hostname } from 'node:os';

export function processHolder(role: string): string {
  return `${role} pid ${process.pid}@${hostname()}`;
}
