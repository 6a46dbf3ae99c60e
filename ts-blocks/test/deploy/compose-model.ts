/**
 * A typed view of a parsed docker-compose.yml, enough for the deployment checks: both the short and the long
 * Compose syntaxes of environment, volumes, ports, networks and depends_on are normalised here, once.
 */

export interface Mount {
  /** `volume` (named), `bind` (host path) or `anonymous` (no source). */
  readonly kind: 'volume' | 'bind' | 'anonymous';
  readonly source: string;
  readonly target: string;
}

export interface PublishedPort {
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerPort: number;
}

export interface Dependency {
  readonly service: string;
  readonly condition: string;
}

export interface ServiceModel {
  readonly name: string;
  readonly image?: string;
  readonly built: boolean;
  readonly environment: ReadonlyArray<readonly [string, string | null]>;
  readonly envFile: boolean;
  readonly mounts: readonly Mount[];
  readonly networks: readonly string[];
  readonly networkMode?: string;
  readonly dependsOn: readonly Dependency[];
  readonly secrets: readonly string[];
  readonly ports: readonly PublishedPort[];
  readonly healthcheck?: string;
  readonly profiles: readonly string[];
  readonly command: readonly string[];
  readonly raw: Record<string, unknown>;
}

export interface ComposeModel {
  readonly services: readonly ServiceModel[];
  readonly networks: readonly string[];
  readonly volumes: readonly string[];
  readonly secrets: ReadonlyMap<string, string | undefined>;
}

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dict(v: unknown): Dict {
  return isDict(v) ? v : {};
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function scalar(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function environment(v: unknown): Array<readonly [string, string | null]> {
  if (Array.isArray(v)) {
    return v.map((entry) => {
      const text = String(entry);
      const eq = text.indexOf('=');
      return eq < 0 ? ([text, null] as const) : ([text.slice(0, eq), text.slice(eq + 1)] as const);
    });
  }
  return Object.entries(dict(v)).map(([k, val]) => [k, scalar(val)] as const);
}

function isHostPath(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~') || source.startsWith('$');
}

/** The colon-separated fields of a short-syntax entry; an interpolation with a default (${NAME:-./path}) is one field. */
function shortSyntaxFields(v: unknown): string[] {
  return String(v).match(/(\$\{[^}]*\}|[^:])+/g) ?? [];
}

function mount(v: unknown): Mount {
  if (isDict(v)) {
    const source = scalar(v.source) ?? '';
    const type = scalar(v.type) ?? 'volume';
    const kind = type === 'bind' ? 'bind' : source === '' ? 'anonymous' : 'volume';
    return { kind, source, target: scalar(v.target) ?? '' };
  }
  // SOURCE:TARGET[:MODE]
  const parts = shortSyntaxFields(v);
  if (parts.length === 1) return { kind: 'anonymous', source: '', target: parts[0] };
  const [source = '', target = ''] = parts;
  return { kind: isHostPath(source) ? 'bind' : 'volume', source, target };
}

function port(v: unknown): PublishedPort | null {
  if (isDict(v)) {
    if (v.published === undefined) return null;
    return { hostIp: scalar(v.host_ip) ?? '', hostPort: Number(v.published), containerPort: Number(v.target) };
  }
  // [HOST_IP:]HOST:CONTAINER[/PROTOCOL]
  const parts = shortSyntaxFields(v);
  if (parts.length === 1) return null;
  const containerPort = Number(parts[parts.length - 1].split('/')[0]);
  const hostPort = Number(parts[parts.length - 2]);
  const hostIp = parts.length > 2 ? parts.slice(0, -2).join(':') : '';
  return { hostIp, hostPort, containerPort };
}

function networks(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : Object.keys(dict(v));
}

function dependsOn(v: unknown): Dependency[] {
  if (Array.isArray(v)) return v.map((s) => ({ service: String(s), condition: 'service_started' }));
  return Object.entries(dict(v)).map(([service, spec]) => ({
    service,
    condition: scalar(dict(spec).condition) ?? 'service_started',
  }));
}

function healthcheck(v: unknown): string | undefined {
  const test = dict(v).test;
  if (test === undefined || dict(v).disable === true) return undefined;
  return Array.isArray(test) ? test.map(String).join(' ') : String(test);
}

function command(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  return typeof v === 'string' ? v.split(/\s+/).filter(Boolean) : [];
}

function service(name: string, raw: Dict): ServiceModel {
  return {
    name,
    image: raw.image === undefined ? undefined : String(raw.image),
    built: raw.build !== undefined,
    environment: environment(raw.environment),
    envFile: raw.env_file !== undefined,
    mounts: list(raw.volumes).map(mount),
    networks: networks(raw.networks),
    networkMode: raw.network_mode === undefined ? undefined : String(raw.network_mode),
    dependsOn: dependsOn(raw.depends_on),
    secrets: list(raw.secrets).map((s) => (isDict(s) ? String(s.source) : String(s))),
    ports: list(raw.ports)
      .map(port)
      .filter((p): p is PublishedPort => p !== null),
    healthcheck: healthcheck(raw.healthcheck),
    profiles: list(raw.profiles).map(String),
    command: command(raw.command),
    raw,
  };
}

/** Normalises a parsed compose document (the output of js-yaml's `load`). */
export function composeModel(doc: unknown): ComposeModel {
  const root = dict(doc);
  return {
    services: Object.entries(dict(root.services)).map(([name, raw]) => service(name, dict(raw))),
    networks: Object.keys(dict(root.networks)),
    volumes: Object.keys(dict(root.volumes)),
    secrets: new Map(
      Object.entries(dict(root.secrets)).map(([name, spec]) => [name, scalar(dict(spec).file) ?? undefined]),
    ),
  };
}

/** The image's repository (`dpage/pgadmin4`) and tag (`9.8`); the tag is '' when absent. A digest counts as a tag. */
export function splitImage(image: string): { repository: string; tag: string } {
  const at = image.indexOf('@');
  if (at >= 0) return { repository: image.slice(0, at), tag: image.slice(at + 1) };
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon < 0
    ? { repository: image, tag: '' }
    : { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
}
