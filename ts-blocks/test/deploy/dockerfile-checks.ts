/**
 * Static checks of the Dockerfile and .dockerignore. Each returns the problems it found (empty = fine).
 */
import { splitImage } from './compose-model';

export interface Stage {
  readonly image: string;
  readonly name?: string;
  /** The stage's instructions after FROM, continuation lines joined. */
  readonly lines: readonly string[];
}

/** Instructions with `\` continuations joined and comments dropped, split into stages at each FROM. */
export function dockerStages(dockerfile: string): Stage[] {
  const joined = dockerfile
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const stages: Array<{ image: string; name?: string; lines: string[] }> = [];
  for (const raw of joined.split('\n')) {
    const line = raw.trim().replace(/\s+/g, ' ');
    if (line === '') continue;
    const from = /^FROM (?:--platform=\S+ )?(\S+)(?: AS (\S+))?$/i.exec(line);
    if (from) stages.push({ image: from[1], name: from[2], lines: [] });
    else stages[stages.length - 1]?.lines.push(line);
  }
  return stages;
}

/** The `KEY=value` pairs set by the stage's ENV instructions. */
export function stageEnv(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of stage.lines) {
    if (!/^ENV /i.test(line)) continue;
    for (const m of line.slice(4).matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) env.set(m[1], m[2].replace(/^"|"$/g, ''));
  }
  return env;
}

export interface DockerfileExpectations {
  /** The mage-ai version pinned in mage_project/requirements-mage.txt. */
  readonly mageVersion: string;
  /** The Node major version the project runs on (package.json engines). */
  readonly nodeMajor: number;
  readonly mageDataDir: string;
  readonly workdir: string;
}

function pinned(image: string): boolean {
  const { tag } = splitImage(image);
  return tag !== '' && tag !== 'latest' && /\d/.test(tag);
}

export function checkDockerfile(dockerfile: string, want: DockerfileExpectations): string[] {
  const stages = dockerStages(dockerfile);
  if (stages.length === 0) return ['no FROM instruction'];
  const names = new Set(stages.map((s) => s.name).filter((n): n is string => n !== undefined));
  const problems: string[] = [];
  const external = stages.filter((s) => !names.has(s.image));
  for (const s of external) if (!pinned(s.image)) problems.push(`FROM ${s.image} is not pinned to a version`);
  const final = stages[stages.length - 1];
  const mage = splitImage(final.image);
  if (mage.repository !== 'mageai/mageai') problems.push(`the final stage is FROM ${final.image}, not mageai/mageai`);
  else if (mage.tag !== want.mageVersion) {
    problems.push(`FROM ${final.image} does not match mage-ai==${want.mageVersion} in requirements-mage.txt`);
  }
  const node = external.find((s) => splitImage(s.image).repository === 'node');
  if (node === undefined) problems.push('no stage FROM the official node image');
  else if (!splitImage(node.image).tag.startsWith(`${want.nodeMajor}.`)) {
    problems.push(`FROM ${node.image} is not Node ${want.nodeMajor}`);
  }
  const all = stages.flatMap((s) => s.lines).join('\n');
  if (!/RUN .*npm ci\b/.test(all)) problems.push('dependencies are not installed with npm ci');
  if (!/RUN .*npm run build\b/.test(all)) problems.push('ts-blocks is not built with npm run build');
  const finalText = final.lines.join('\n');
  if (!/COPY --from=\S+ \S*\/node \S*node\b/.test(finalText)) problems.push('the final stage does not copy in the node binary');
  if (!/COPY --from=\S+ \S*ts-blocks\/dist /.test(finalText)) problems.push('the final stage does not copy the compiled ts-blocks/dist');
  if (!/COPY --from=\S+ \S*node_modules /.test(finalText)) problems.push('the final stage does not copy node_modules');
  if (!final.lines.includes(`WORKDIR ${want.workdir}`)) problems.push(`the final stage's WORKDIR is not ${want.workdir}`);
  if (stageEnv(final).get('MAGE_DATA_DIR') !== want.mageDataDir) problems.push(`MAGE_DATA_DIR is not ${want.mageDataDir}`);
  return problems;
}

/** Paths that must never enter the build context (and so the image). */
export const MUST_IGNORE = ['node_modules', 'mage_data', '.spool', '.run', '.pgdata', '.env', 'evidencias', '.git', 'docker/secrets'];

export function checkDockerignore(dockerignore: string): string[] {
  const patterns = new Set(
    dockerignore
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('!'))
      .map((l) => l.replace(/^\*\*\//, '').replace(/^\//, '').replace(/\/$/, '')),
  );
  const reincluded = dockerignore.split('\n').filter((l) => l.trim().startsWith('!'));
  return [
    ...MUST_IGNORE.filter((p) => !patterns.has(p)).map((p) => `.dockerignore does not exclude ${p}`),
    ...reincluded.map((l) => `.dockerignore re-includes ${l.trim().slice(1)}`),
  ];
}
