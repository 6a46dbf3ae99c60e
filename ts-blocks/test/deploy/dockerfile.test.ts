/**
 * The Dockerfile and .dockerignore, checked statically against the pins the rest of the project uses; every check
 * is also fed a broken variant to prove it can fail.
 */
import { checkDockerfile, checkDockerignore, dockerStages, stageEnv, type DockerfileExpectations } from './dockerfile-checks';
import { magePin, nodeMajor, readRepoFile, repoFileExists } from './repo-files';

const want: DockerfileExpectations = {
  mageVersion: magePin(),
  nodeMajor: nodeMajor(),
  mageDataDir: '/home/src/mage_data',
  workdir: '/home/src',
};

describe('Dockerfile', () => {
  const dockerfile = readRepoFile('Dockerfile');

  it('builds FROM pinned images: mageai/mageai at the requirements pin, Node at the engines major', () => {
    expect(want.mageVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(checkDockerfile(dockerfile, want)).toEqual([]);
    const final = dockerStages(dockerfile).at(-1);
    expect(final?.image).toBe(`mageai/mageai:${want.mageVersion}`);
  });

  it('installs with npm ci, builds ts-blocks, and ships node, the compiled dist and node_modules', () => {
    const stages = dockerStages(dockerfile);
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(stageEnv(stages[stages.length - 1]).get('MAGE_DATA_DIR')).toBe('/home/src/mage_data');
  });

  it('copies in only files that exist in the repository', () => {
    const sources = dockerStages(dockerfile)
      .flatMap((s) => s.lines)
      .filter((l) => /^COPY /.test(l) && !/--from=/.test(l))
      .flatMap((l) => l.split(' ').slice(1, -1));
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((p) => !repoFileExists(p))).toEqual([]);
  });
});

describe('Dockerfile checks catch', () => {
  const good = readRepoFile('Dockerfile');

  it('an unpinned or latest base image', () => {
    expect(checkDockerfile(good.replace(/FROM node:\S+/, 'FROM node'), want)).toContain('FROM node is not pinned to a version');
    const latest = good.replace(/FROM mageai\/mageai:\S+/, 'FROM mageai/mageai:latest');
    expect(checkDockerfile(latest, want)).toEqual(
      expect.arrayContaining(['FROM mageai/mageai:latest is not pinned to a version']),
    );
  });

  it('a Mage tag that differs from the requirements pin, and a Node of another major', () => {
    expect(checkDockerfile(good, { ...want, mageVersion: '0.9.79' })).toEqual([
      `FROM mageai/mageai:${want.mageVersion} does not match mage-ai==0.9.79 in requirements-mage.txt`,
    ]);
    expect(checkDockerfile(good, { ...want, nodeMajor: 22 })[0]).toMatch(/is not Node 22/);
  });

  it('a missing build, a missing node binary and the wrong data directory', () => {
    const noBuild = good.replace(/RUN npm run build/, 'RUN true');
    expect(checkDockerfile(noBuild, want)).toEqual(['ts-blocks is not built with npm run build']);
    const noNode = good.replace(/^COPY --from=\S+ \/usr\/local\/bin\/node .*$/m, '');
    expect(checkDockerfile(noNode, want)).toEqual(['the final stage does not copy in the node binary']);
    const otherDir = good.replace('MAGE_DATA_DIR=/home/src/mage_data', 'MAGE_DATA_DIR=/tmp/mage');
    expect(checkDockerfile(otherDir, want)).toEqual(['MAGE_DATA_DIR is not /home/src/mage_data']);
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, Mage data, spools, run state, .env, evidence, git and secrets out of the image', () => {
    expect(checkDockerignore(readRepoFile('.dockerignore'))).toEqual([]);
  });

  it('check catches a missing exclusion and a re-inclusion', () => {
    const text = readRepoFile('.dockerignore');
    expect(checkDockerignore(text.replace(/^(\*\*\/)?\.env$/gm, ''))).toEqual(['.dockerignore does not exclude .env']);
    expect(checkDockerignore(`${text}\n!evidencias/keep.md\n`)).toEqual(['.dockerignore re-includes evidencias/keep.md']);
  });
});
