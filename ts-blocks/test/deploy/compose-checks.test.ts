/**
 * Each compose check is shown to pass a small sound document and to fail the same document with one defect.
 */
import { composeModel } from './compose-model';
import {
  checkHealthDependencies,
  checkImagesPinned,
  checkInitSqlMounted,
  checkNoCredentialValues,
  checkOneNetwork,
  checkPortsOnLoopback,
  checkReadmePorts,
  checkSecretFilesIgnored,
  checkServiceNameHosts,
  checkStatefulVolumes,
} from './compose-checks';
import { checkMageService, checkPgAdmin, checkSandboxProfile } from './service-checks';

type Doc = {
  services: Record<string, Record<string, unknown>>;
  networks: Record<string, unknown>;
  volumes: Record<string, unknown>;
  secrets: Record<string, unknown>;
};

function sound(): Doc {
  const net = ['app'];
  return {
    services: {
      mage: {
        image: 'app:1.0.0',
        build: '.',
        depends_on: { db: { condition: 'service_healthy' } },
        volumes: ['./mage_project:/home/src/mage_project', 'mage_data:/home/src/mage_data'],
        environment: { OWNER_PASSWORD_FILE: '/run/secrets/owner', API_URL: 'http://sandbox:8081' },
        secrets: ['owner'],
        ports: ['127.0.0.1:6789:6789'],
        networks: net,
        command: ['mage', 'start', 'mage_project'],
      },
      db: {
        image: 'postgres:17.10-bookworm',
        volumes: ['pg:/var/lib/postgresql/data', './db/init:/docker-entrypoint-initdb.d:ro'],
        environment: ['POSTGRES_USER=qbo', 'POSTGRES_DB=qbo', 'POSTGRES_PASSWORD_FILE=/run/secrets/pg'],
        secrets: ['pg'],
        networks: net,
        healthcheck: { test: ['CMD-SHELL', 'pg_isready -h 127.0.0.1'] },
      },
      pgadmin: {
        image: 'dpage/pgadmin4:9.8',
        depends_on: { db: { condition: 'service_healthy' } },
        volumes: [{ type: 'volume', source: 'pga', target: '/var/lib/pgadmin' }, './servers.json:/pgadmin4/servers.json'],
        ports: [{ published: 8080, target: 80, host_ip: '127.0.0.1' }],
        networks: { app: {} },
      },
      sandbox: {
        image: 'app:1.0.0',
        build: '.',
        profiles: ['sandbox'],
        command: ['node', 'ts-blocks/dist/sandbox/cli.js', '--port', '8081'],
        ports: ['127.0.0.1:8081:8081'],
        networks: net,
      },
    },
    networks: { app: {} },
    volumes: { mage_data: {}, pg: {}, pga: {} },
    secrets: { owner: { file: './docker/secrets/owner' }, pg: { file: './docker/secrets/pg' } },
  };
}

const SERVERS = { Servers: { '1': { Host: 'db', Port: 5432, Username: 'qbo', MaintenanceDB: 'qbo' } } };
const README = 'Mage http://localhost:6789, pgAdmin http://localhost:8080, sandbox localhost:8081';
const exists = (p: string) => p === 'ts-blocks/src/sandbox/cli.ts';

/** The sound document with one change applied. */
function broken(change: (doc: Doc) => void) {
  const doc = sound();
  change(doc);
  return composeModel(doc);
}

describe('compose checks', () => {
  it('pass the sound document', () => {
    const m = composeModel(sound());
    expect([
      ...checkOneNetwork(m),
      ...checkServiceNameHosts(m),
      ...checkImagesPinned(m),
      ...checkNoCredentialValues(m),
      ...checkSecretFilesIgnored(m, (p) => p.startsWith('./docker/secrets/')),
      ...checkStatefulVolumes(m, '/home/src/mage_data'),
      ...checkInitSqlMounted(m),
      ...checkHealthDependencies(m),
      ...checkPortsOnLoopback(m),
      ...checkReadmePorts(m, README),
      ...checkMageService(m),
      ...checkPgAdmin(m, SERVERS),
      ...checkSandboxProfile(m, exists),
    ]).toEqual([]);
  });

  it('catch a second network and a service off the shared network', () => {
    expect(checkOneNetwork(broken((d) => (d.networks.other = {})))).toHaveLength(1);
    expect(checkOneNetwork(broken((d) => (d.services.db.networks = ['other'])))).toEqual([
      'db: must join exactly the network "app", joins [other]',
    ]);
    expect(checkOneNetwork(broken((d) => (d.services.db.network_mode = 'host')))[0]).toMatch(/network_mode host/);
  });

  it('catch an address or an unknown host where a service name belongs', () => {
    const ip = broken((d) => ((d.services.mage.environment as Record<string, string>).API_URL = 'http://172.17.0.1:8081'));
    expect(checkServiceNameHosts(ip)[0]).toMatch(/API_URL points at an address/);
    const unknown = broken((d) => ((d.services.mage.environment as Record<string, string>).PG_HOST = 'postgres'));
    expect(checkServiceNameHosts(unknown)).toEqual(['mage: PG_HOST=postgres does not name a service of this file']);
    expect(checkServiceNameHosts(broken((d) => (d.services.mage.links = ['db'])))[0]).toMatch(/uses links/);
  });

  it('catch a missing tag, latest, and a tag without a version', () => {
    expect(checkImagesPinned(broken((d) => (d.services.db.image = 'postgres')))).toEqual(['db: image postgres has no tag']);
    expect(checkImagesPinned(broken((d) => (d.services.db.image = 'postgres:latest')))[0]).toMatch(/not pinned/);
    expect(checkImagesPinned(broken((d) => (d.services.db.image = 'postgres:bookworm')))[0]).toMatch(/not pinned/);
    expect(checkImagesPinned(broken((d) => delete d.services.mage.image))[0]).toMatch(/mage: no image name/);
  });

  it('catch a literal password, a token, a URL with a password, a secret not given and env_file', () => {
    const literal = broken((d) => (d.services.db.environment = ['POSTGRES_PASSWORD=hunter2']));
    expect(checkNoCredentialValues(literal)[0]).toMatch(/POSTGRES_PASSWORD holds a credential value/);
    const token = broken((d) => ((d.services.mage.environment as Record<string, string>).QBO_REFRESH_TOKEN = 'x'));
    expect(checkNoCredentialValues(token)[0]).toMatch(/QBO_REFRESH_TOKEN holds a credential value/);
    const url = broken((d) => ((d.services.mage.environment as Record<string, string>).DB = 'postgres://u:p@db/qbo'));
    expect(checkNoCredentialValues(url)[0]).toMatch(/URL with a password/);
    const notGiven = broken((d) => (d.services.mage.secrets = []));
    expect(checkNoCredentialValues(notGiven)[0]).toMatch(/which the service is not given/);
    expect(checkNoCredentialValues(broken((d) => (d.services.mage.env_file = '.env')))[0]).toMatch(/env_file/);
  });

  it('accept an on/off flag whose name mentions a token', () => {
    const flag = broken((d) => ((d.services.mage.environment as Record<string, string>).HIDE_API_TRIGGER_TOKEN = 'true'));
    expect(checkNoCredentialValues(flag)).toEqual([]);
  });

  it('catch a secrets file git does not ignore', () => {
    const m = broken((d) => (d.secrets.pg = { file: './pg.txt' }));
    expect(checkSecretFilesIgnored(m, (p) => p.startsWith('./docker/secrets/'))).toEqual([
      'secret pg: ./pg.txt is not git-ignored',
    ]);
  });

  it('catch state on a bind mount, no volume, or an undeclared volume', () => {
    const bind = broken((d) => (d.services.db.volumes = ['./pgdata:/var/lib/postgresql/data']));
    expect(checkStatefulVolumes(bind, '/home/src/mage_data')[0]).toMatch(/db: its state .* not on a named volume/);
    const none = broken((d) => (d.services.mage.volumes = []));
    expect(checkStatefulVolumes(none, '/home/src/mage_data')[0]).toMatch(/mage: its state \(\/home\/src\/mage_data\)/);
    const undeclared = broken((d) => delete d.volumes.pga);
    expect(checkStatefulVolumes(undeclared, '/home/src/mage_data')).toEqual([
      'pgadmin: volume pga is not declared under top-level volumes',
    ]);
  });

  it('catch db/init not mounted, or mounted from elsewhere', () => {
    expect(checkInitSqlMounted(broken((d) => (d.services.db.volumes = ['pg:/var/lib/postgresql/data'])))[0]).toMatch(
      /db\/init is not mounted/,
    );
    const elsewhere = broken((d) => (d.services.db.volumes = ['./sql:/docker-entrypoint-initdb.d']));
    expect(checkInitSqlMounted(elsewhere)[0]).toMatch(/mounted from \.\/sql/);
  });

  it('catch a database without pg_isready and dependants that do not wait for health', () => {
    expect(checkHealthDependencies(broken((d) => delete d.services.db.healthcheck))).toEqual(
      expect.arrayContaining(['db: no pg_isready healthcheck']),
    );
    const started = broken((d) => (d.services.mage.depends_on = ['db']));
    expect(checkHealthDependencies(started)).toEqual([
      'mage: does not wait for the database to be healthy',
      'mage: depends on db with service_started; use service_healthy',
    ]);
    const profiled = broken((d) => (d.services.pgadmin.depends_on = { sandbox: { condition: 'service_started' } }));
    expect(checkHealthDependencies(profiled)[0]).toMatch(/only runs under profile sandbox/);
  });

  it('catch a port published on every interface', () => {
    expect(checkPortsOnLoopback(broken((d) => (d.services.mage.ports = ['6789:6789'])))[0]).toMatch(/every interface/);
  });

  it('catch a README that documents a port not published, or misses one', () => {
    const m = composeModel(sound());
    expect(checkReadmePorts(m, README.replace('localhost:8080', 'localhost:5050'))).toEqual([
      'port 8080 is published but not documented',
      'port 5050 is documented but not published',
    ]);
  });

  it('catch Mage without its port, project mount or command', () => {
    const m = broken((d) => {
      d.services.mage.ports = [];
      d.services.mage.volumes = ['mage_data:/home/src/mage_data'];
      d.services.mage.command = ['mage', 'start', 'default_repo'];
    });
    expect(checkMageService(m)).toHaveLength(3);
  });

  it('catch a pgAdmin server that is not the database service, or not its port, user or database', () => {
    const m = composeModel(sound());
    const wrong = { Servers: { '1': { Host: 'localhost', Port: 5432, Username: 'qbo', MaintenanceDB: 'qbo' } } };
    expect(checkPgAdmin(m, wrong)).toEqual(['servers.json: Host localhost is not the name of a postgres service']);
    const off = { Servers: { '1': { Host: 'db', Port: 5433, Username: 'postgres', MaintenanceDB: 'postgres' } } };
    expect(checkPgAdmin(m, off)).toHaveLength(3);
    expect(checkPgAdmin(m, {})).toEqual(['servers.json registers no server']);
  });

  it('catch a sandbox outside its profile, on another image, or running a missing entry point', () => {
    const m = broken((d) => {
      delete d.services.sandbox.profiles;
      d.services.sandbox.image = 'other:1.0.0';
      d.services.sandbox.command = ['node', 'ts-blocks/dist/sandbox/missing.js', '--port', '9000'];
    });
    expect(checkSandboxProfile(m, exists)).toHaveLength(4);
  });
});
