/**
 * The deployment test (scripts/compose-e2e.sh) is wired where it must run, and its podman stand-ins stand in for
 * exactly the base images the unchanged Dockerfile and docker-compose.yml name. The test itself starts the stack;
 * this file only keeps its wiring from drifting.
 */
import { readdirSync, statSync } from 'node:fs';
import { composeModel } from './compose-model';
import { dockerStages } from './dockerfile-checks';
import { loadYaml, readRepoFile, repoPath } from './repo-files';

const STANDINS = 'ts-blocks/test/deploy/standins';

/** `docker.io/library/node:20` for `node:20`, `docker.io/mageai/mageai:0.9.80` for `mageai/mageai:0.9.80`. */
function fullName(image: string): string {
  const withRepo = image.includes('/') ? image : `library/${image}`;
  return withRepo.split('/')[0].includes('.') ? withRepo : `docker.io/${withRepo}`;
}

/** Images the project pulls (not the one it builds, not its own build stages). */
function upstreamImages(): Set<string> {
  const stages = dockerStages(readRepoFile('Dockerfile'));
  const stageNames = new Set(stages.map((s) => s.name).filter(Boolean));
  const compose = composeModel(loadYaml('docker-compose.yml'));
  const built = new Set(compose.services.filter((s) => s.built).map((s) => s.image));
  const fromDockerfile = stages.map((s) => s.image).filter((i) => !stageNames.has(i));
  const fromCompose = compose.services.map((s) => s.image ?? '').filter((i) => i && !built.has(i));
  return new Set([...fromDockerfile, ...fromCompose].map(fullName));
}

/** The tags build.sh gives its stand-ins, with the folder each is built from. */
function standinTags(): Map<string, string> {
  const script = readRepoFile(`${STANDINS}/build.sh`);
  return new Map([...script.matchAll(/^\s*build_image (\S+) (\S+)/gm)].map((m) => [m[1], m[2]]));
}

describe('the deployment test', () => {
  it('runs at the end of `npm test` and alone as `npm run test:compose`', () => {
    const scripts = (JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.test).toMatch(/&& npm run test:compose$/);
    expect(scripts['test:compose']).toBe('scripts/compose-e2e.sh');
    expect(statSync(repoPath('scripts/compose-e2e.sh')).mode & 0o111).toBe(0o111);
  });

  it('has its engine installed by CI: podman, runc, debootstrap, podman-compose and the containers.conf.d file', () => {
    const ci = readRepoFile('.ci/run');
    for (const tool of ['podman', 'runc', 'debootstrap']) expect(ci).toContain(tool);
    expect(ci).toContain(`${STANDINS}/podman-compose.sh`);
    expect(ci).toContain(`${STANDINS}/containers.conf /etc/containers/containers.conf.d/`);
    expect(ci.indexOf('containers.conf.d')).toBeLessThan(ci.indexOf('npm test'));
  });

  it('has a stand-in for every base image the Dockerfile and docker-compose.yml pull, under the exact name', () => {
    expect([...standinTags().keys()].sort()).toEqual([...upstreamImages()].sort());
  });

  it('labels every stand-in as a stand-in in its Dockerfile, and builds each from its own folder', () => {
    for (const [tag, dir] of standinTags()) {
      const dockerfile = readRepoFile(`${STANDINS}/${dir}/Dockerfile`);
      expect(dockerfile.startsWith(`# STAND-IN for ${tag}, built by ${STANDINS}/build.sh only`)).toBe(true);
      expect(dockerfile).toMatch(/LABEL org\.opencontainers\.image\.description="qbo-backfill STAND-IN for .+ \(not the official image\)"/);
    }
    const folders = readdirSync(repoPath(STANDINS), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(folders.sort()).toEqual([...standinTags().values()].sort());
  });
});
