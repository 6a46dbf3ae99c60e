/**
 * Static checks of docker-compose.yml. Each returns the list of problems it found (empty = fine), so a test can
 * feed it the real file and expect nothing, and feed it a broken document and expect the problem named.
 */
import { splitImage, type ComposeModel, type ServiceModel } from './compose-model';

export const POSTGRES_INIT_DIR = '/docker-entrypoint-initdb.d';
const PROHIBITED_TAGS = ['latest', 'stable', 'edge', 'main', 'master', 'nightly', 'dev', 'beta', 'lts'];
/** Environment keys that name a credential. */
const CREDENTIAL_KEY = /PASS(WORD)?|PASSWD|PWD|SECRET|TOKEN|API_?KEY|CREDENTIAL|PRIVATE_?KEY/i;
/** Values that switch a setting on or off: never a credential, whatever the key says. */
const FLAG = /^(true|false|yes|no|on|off|0|1)$/i;
/** Environment keys that name another machine. */
const HOST_KEY = /(^|_)(HOST|URL|URI|ADDR|ADDRESS|SERVER|ENDPOINT)(_|$)/i;
/** Where each kind of stateful service keeps its state. */
const STATE_DIRS: Readonly<Record<string, string>> = {
  postgres: '/var/lib/postgresql/data',
  'dpage/pgadmin4': '/var/lib/pgadmin',
};

function envValue(service: ServiceModel, key: string): string | null | undefined {
  return service.environment.find(([k]) => k === key)?.[1];
}

export function isPostgres(service: ServiceModel): boolean {
  return service.image !== undefined && splitImage(service.image).repository === 'postgres';
}

/** The service that runs `mage start`: built from the Dockerfile, with Mage's command (or the image default). */
export function isMage(service: ServiceModel): boolean {
  return service.built && (service.command.length === 0 || service.command[0] === 'mage');
}

export function checkOneNetwork(model: ComposeModel): string[] {
  if (model.networks.length !== 1) {
    return [`expected exactly one user-defined network, found ${model.networks.length}: ${model.networks.join(', ')}`];
  }
  const [network] = model.networks;
  const problems: string[] = [];
  for (const s of model.services) {
    if (s.networkMode !== undefined) problems.push(`${s.name}: network_mode ${s.networkMode} leaves the shared network`);
    if (s.networks.length !== 1 || s.networks[0] !== network) {
      problems.push(`${s.name}: must join exactly the network "${network}", joins [${s.networks.join(', ')}]`);
    }
  }
  return problems;
}

function hostOf(value: string): string {
  try {
    return new URL(value).hostname;
  } catch {
    return value.replace(/:\d+$/, '');
  }
}

/** Services find each other by service name only: no IPs, no localhost, no links or extra_hosts. */
export function checkServiceNameHosts(model: ComposeModel): string[] {
  const names = new Set(model.services.map((s) => s.name));
  const problems: string[] = [];
  for (const s of model.services) {
    for (const key of ['links', 'external_links', 'extra_hosts']) {
      if (s.raw[key] !== undefined) problems.push(`${s.name}: uses ${key}; address services by name instead`);
    }
    for (const [key, value] of s.environment) {
      if (value === null) continue;
      if (/\blocalhost\b|\b\d{1,3}(\.\d{1,3}){3}\b/.test(value)) {
        problems.push(`${s.name}: ${key} points at an address (${value}); use a service name`);
      } else if (HOST_KEY.test(key) && !CREDENTIAL_KEY.test(key) && !key.endsWith('_FILE') && !names.has(hostOf(value))) {
        problems.push(`${s.name}: ${key}=${value} does not name a service of this file`);
      }
    }
  }
  return problems;
}

export function checkImagesPinned(model: ComposeModel): string[] {
  const problems: string[] = [];
  for (const s of model.services) {
    if (s.image === undefined) {
      problems.push(`${s.name}: no image name${s.built ? ' (a built image needs a versioned tag too)' : ''}`);
      continue;
    }
    const { tag } = splitImage(s.image);
    if (tag === '') problems.push(`${s.name}: image ${s.image} has no tag`);
    else if (PROHIBITED_TAGS.includes(tag.toLowerCase()) || !/\d/.test(tag)) {
      problems.push(`${s.name}: image ${s.image} is not pinned to a version`);
    }
  }
  return problems;
}

/** A credential never appears as a value: only `<NAME>_FILE=/run/secrets/<secret>` of a secret the service has. */
export function checkNoCredentialValues(model: ComposeModel): string[] {
  const problems: string[] = [];
  for (const s of model.services) {
    if (s.envFile) problems.push(`${s.name}: env_file would put whatever the file holds into the environment`);
    for (const [key, value] of s.environment) {
      if (value !== null && /:\/\/[^/@\s]*:[^/@\s]*@/.test(value)) {
        problems.push(`${s.name}: ${key} carries a URL with a password`);
      }
      if (!CREDENTIAL_KEY.test(key) || FLAG.test(value ?? '')) continue;
      const secret = /^\/run\/secrets\/([A-Za-z0-9._-]+)$/.exec(value ?? '')?.[1];
      if (!key.endsWith('_FILE') || secret === undefined) {
        problems.push(`${s.name}: ${key} holds a credential value; use ${key}_FILE pointing at a Docker secret`);
      } else if (!s.secrets.includes(secret) || !model.secrets.has(secret)) {
        problems.push(`${s.name}: ${key} points at secret "${secret}", which the service is not given`);
      }
    }
  }
  return problems;
}

/** Every Docker secret is read from a file the repository ignores. */
export function checkSecretFilesIgnored(model: ComposeModel, isIgnored: (path: string) => boolean): string[] {
  const problems: string[] = [];
  for (const [name, file] of model.secrets) {
    if (file === undefined) problems.push(`secret ${name}: not read from a file`);
    else if (!isIgnored(file)) problems.push(`secret ${name}: ${file} is not git-ignored`);
  }
  return problems;
}

/** The directory a stateful service keeps its state in; undefined for stateless services. */
export function stateDir(service: ServiceModel, mageDataDir: string): string | undefined {
  if (isMage(service)) return mageDataDir;
  if (service.image === undefined) return undefined;
  return STATE_DIRS[splitImage(service.image).repository];
}

export function checkStatefulVolumes(model: ComposeModel, mageDataDir: string): string[] {
  const problems: string[] = [];
  for (const s of model.services) {
    for (const m of s.mounts) {
      if (m.kind === 'volume' && !model.volumes.includes(m.source)) {
        problems.push(`${s.name}: volume ${m.source} is not declared under top-level volumes`);
      }
    }
    const dir = stateDir(s, mageDataDir);
    if (dir === undefined) continue;
    const m = s.mounts.find((x) => x.target.replace(/\/$/, '') === dir);
    if (m === undefined || m.kind !== 'volume') {
      problems.push(`${s.name}: its state (${dir}) is not on a named volume and would be lost with the container`);
    }
  }
  if (!model.services.some(isPostgres)) problems.push('no postgres service');
  if (!model.services.some(isMage)) problems.push('no Mage service built from the Dockerfile');
  return problems;
}

export function checkInitSqlMounted(model: ComposeModel): string[] {
  const pg = model.services.filter(isPostgres);
  if (pg.length === 0) return ['no postgres service'];
  return pg.flatMap((s) => {
    const m = s.mounts.find((x) => x.target.replace(/\/$/, '') === POSTGRES_INIT_DIR);
    if (m === undefined) return [`${s.name}: db/init is not mounted at ${POSTGRES_INIT_DIR}`];
    if (m.kind !== 'bind' || m.source.replace(/^\.\//, '').replace(/\/$/, '') !== 'db/init') {
      return [`${s.name}: ${POSTGRES_INIT_DIR} is mounted from ${m.source}, not ./db/init`];
    }
    return [];
  });
}

/** Dependencies wait for health where health is defined; the database has a real readiness probe. */
export function checkHealthDependencies(model: ComposeModel): string[] {
  const byName = new Map(model.services.map((s) => [s.name, s]));
  const problems: string[] = [];
  for (const s of model.services) {
    if (isPostgres(s) && !/pg_isready/.test(s.healthcheck ?? '')) problems.push(`${s.name}: no pg_isready healthcheck`);
    if (isMage(s) && !s.dependsOn.some((d) => isPostgres(byName.get(d.service) ?? s) && d.condition === 'service_healthy')) {
      problems.push(`${s.name}: does not wait for the database to be healthy`);
    }
    for (const d of s.dependsOn) {
      const target = byName.get(d.service);
      if (target === undefined) problems.push(`${s.name}: depends on unknown service ${d.service}`);
      else if (target.healthcheck !== undefined && d.condition !== 'service_healthy') {
        problems.push(`${s.name}: depends on ${d.service} with ${d.condition}; use service_healthy`);
      } else if (d.condition === 'service_healthy' && target.healthcheck === undefined) {
        problems.push(`${s.name}: waits for ${d.service} to be healthy, but it has no healthcheck`);
      } else if (target.profiles.length > 0 && s.profiles.length === 0) {
        problems.push(`${s.name}: depends on ${d.service}, which only runs under profile ${target.profiles.join(',')}`);
      }
    }
  }
  return problems;
}

/** Published ports are reachable from this machine only. */
export function checkPortsOnLoopback(model: ComposeModel): string[] {
  return model.services.flatMap((s) =>
    s.ports
      .filter((p) => p.hostIp !== '127.0.0.1')
      .map((p) => `${s.name}: port ${p.hostPort} is published on ${p.hostIp || 'every interface'}, not 127.0.0.1`),
  );
}

/** The README's Compose set-up documents exactly the published ports (`localhost:<port>`). */
export function checkReadmePorts(model: ComposeModel, readmeSection: string): string[] {
  const published = new Set(model.services.flatMap((s) => s.ports.map((p) => p.hostPort)));
  const documented = new Set([...readmeSection.matchAll(/localhost:(\d+)/g)].map((m) => Number(m[1])));
  const problems: string[] = [];
  for (const p of published) if (!documented.has(p)) problems.push(`port ${p} is published but not documented`);
  for (const p of documented) if (!published.has(p)) problems.push(`port ${p} is documented but not published`);
  if (published.size === 0) problems.push('no port is published');
  return problems;
}

export { envValue };
