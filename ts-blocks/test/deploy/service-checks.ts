/**
 * Static checks of the roles of docker-compose.yml's services: Mage, pgAdmin and the sandbox. Each returns the
 * problems it found (empty = fine).
 */
import { splitImage, type ComposeModel, type ServiceModel } from './compose-model';
import { envValue, isMage, isPostgres } from './compose-checks';

export const MAGE_PORT = 6789;
export const MAGE_PROJECT_DIR = '/home/src/mage_project';
export const PGADMIN_SERVERS_FILE = '/pgadmin4/servers.json';
export const POSTGRES_PORT = 5432;

function bindTarget(s: ServiceModel, target: string): string | undefined {
  const m = s.mounts.find((x) => x.kind === 'bind' && x.target === target);
  return m?.source.replace(/^\.\//, '');
}

export function checkMageService(model: ComposeModel): string[] {
  const mage = model.services.find(isMage);
  if (mage === undefined) return ['no Mage service built from the Dockerfile'];
  const problems: string[] = [];
  if (!mage.ports.some((p) => p.containerPort === MAGE_PORT)) problems.push(`mage: port ${MAGE_PORT} is not published`);
  if (bindTarget(mage, MAGE_PROJECT_DIR) !== 'mage_project') {
    problems.push(`mage: the project (./mage_project) is not mounted at ${MAGE_PROJECT_DIR}`);
  }
  if (mage.command.join(' ') !== 'mage start mage_project') {
    problems.push(`mage: command is "${mage.command.join(' ')}", expected "mage start mage_project"`);
  }
  return problems;
}

export interface PgAdminServer {
  readonly Name?: unknown;
  readonly Host?: unknown;
  readonly Port?: unknown;
  readonly Username?: unknown;
  readonly MaintenanceDB?: unknown;
}

/** pgAdmin is published on 8080 and pre-registers the warehouse under its service name and credentials' user. */
export function checkPgAdmin(model: ComposeModel, servers: { Servers?: Record<string, PgAdminServer> }): string[] {
  const pgadmin = model.services.find((s) => s.image && splitImage(s.image).repository === 'dpage/pgadmin4');
  if (pgadmin === undefined) return ['no pgAdmin service'];
  const problems: string[] = [];
  if (!pgadmin.ports.some((p) => p.hostPort === 8080)) problems.push('pgadmin: not published on port 8080');
  if (bindTarget(pgadmin, PGADMIN_SERVERS_FILE) === undefined) {
    problems.push(`pgadmin: no servers file mounted at ${PGADMIN_SERVERS_FILE}`);
  }
  const entries = Object.values(servers.Servers ?? {});
  if (entries.length === 0) problems.push('servers.json registers no server');
  for (const server of entries) {
    const host = model.services.find((s) => s.name === server.Host);
    if (host === undefined || !isPostgres(host)) {
      problems.push(`servers.json: Host ${String(server.Host)} is not the name of a postgres service`);
      continue;
    }
    if (server.Port !== POSTGRES_PORT) problems.push(`servers.json: Port ${String(server.Port)} is not ${POSTGRES_PORT}`);
    if (server.Username !== envValue(host, 'POSTGRES_USER')) {
      problems.push(`servers.json: Username ${String(server.Username)} is not ${host.name}'s POSTGRES_USER`);
    }
    if (server.MaintenanceDB !== envValue(host, 'POSTGRES_DB')) {
      problems.push(`servers.json: MaintenanceDB ${String(server.MaintenanceDB)} is not ${host.name}'s POSTGRES_DB`);
    }
  }
  return problems;
}

/** The sandbox runs the compiled sandbox CLI from the same image, only under the `sandbox` profile. */
export function checkSandboxProfile(model: ComposeModel, sourceExists: (path: string) => boolean): string[] {
  const sandbox = model.services.find((s) => s.name === 'sandbox');
  if (sandbox === undefined) return ['no sandbox service'];
  const problems: string[] = [];
  if (!sandbox.profiles.includes('sandbox')) problems.push('sandbox: not under the "sandbox" profile');
  const mage = model.services.find(isMage);
  if (mage !== undefined && sandbox.image !== mage.image) problems.push('sandbox: does not run the Mage service image');
  const [program, script] = sandbox.command;
  const source = script?.replace(/^ts-blocks\/dist\//, 'ts-blocks/src/').replace(/\.js$/, '.ts');
  if (program !== 'node' || source === undefined || !sourceExists(source)) {
    problems.push(`sandbox: command "${sandbox.command.join(' ')}" does not run a compiled ts-blocks entry point`);
  }
  const portArg = Number(sandbox.command[sandbox.command.indexOf('--port') + 1]);
  if (!sandbox.ports.some((p) => p.containerPort === portArg)) {
    problems.push(`sandbox: listens on ${portArg} but publishes ${sandbox.ports.map((p) => p.containerPort).join(', ')}`);
  }
  return problems;
}
