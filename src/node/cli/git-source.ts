/**
 * The git side of `plughub build git+<url>#<ref>`: parsing the spec, finding
 * what the ref is with `git ls-remote` (a tag, a branch, or a full commit
 * hash), fetching just that commit into an empty repository and checking it
 * out. git runs with an argument array (`--` before every URL), no terminal
 * prompt, no hooks, no symbolic links checked out, only the https, ssh and
 * file protocols, and bounded time and output (run-process.ts). A URL's
 * credentials are used to fetch but never recorded or printed.
 */
import { UsageError } from '../../core/errors/index.js';
import { runProcess } from './run-process.js';

/** What `git+<url>#<ref>` names. */
export interface GitSpec {
  /** The URL git fetches from (credentials included, when given). */
  fetchUrl: string;
  /** The URL without credentials: recorded in `origin.url` and printed. */
  url: string;
  /** The tag, branch or full commit hash after `#`. */
  ref: string;
  /** The password and (for https) user name in the URL, hidden in messages. */
  secrets: string[];
}

/** What a ref turned out to be. */
export type GitRefKind = 'tag' | 'branch' | 'commit';

/** A ref checked out: its kind and the full hash of the commit. */
export interface CheckedOut {
  kind: GitRefKind;
  commit: string;
}

/** How git runs: its environment (PATH, HOME, credential helpers), and what ends it. */
export interface GitRunOptions {
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** Bounds a fetch (default 5 minutes); ls-remote and the rest get 1 minute. */
  fetchTimeoutMs?: number;
}

const PROTOCOLS: Readonly<Record<string, string>> = { 'git+https:': 'https:', 'git+ssh:': 'ssh:', 'git+file:': 'file:' };
const FULL_COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const MAX_REF_LENGTH = 256;
const MAX_URL_LENGTH = 2048;
const QUICK_TIMEOUT_MS = 60_000;
const FETCH_TIMEOUT_MS = 5 * 60_000;
/** Settings every git command runs with: no hooks, no fsmonitor, no symbolic links, no `ext::` transport, no advice. */
const GIT_CONFIG = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.symlinks=false',
  '-c',
  'protocol.ext.allow=never',
  '-c',
  'advice.detachedHead=false',
  '-c',
  'init.defaultBranch=main',
];

/** True for a spec `plughub build` reads as a git repository. */
export function isGitSpec(spec: string): boolean {
  return /^git\+[a-z]+:/i.test(spec);
}

/** Why a ref cannot be a tag, branch or commit name, or undefined (a conservative subset of git check-ref-format). */
function refProblem(ref: string): string | undefined {
  if (ref === '') return 'is empty';
  if (ref.length > MAX_REF_LENGTH) return `is longer than ${MAX_REF_LENGTH} characters`;
  if (ref.startsWith('-')) return 'starts with "-"';
  if (!/^[A-Za-z0-9._/+@-]+$/.test(ref)) return 'may hold only letters, digits and . _ / + @ -';
  if (
    ref.includes('..') ||
    ref.includes('//') ||
    ref.includes('@{') ||
    ref.startsWith('/') ||
    ref.endsWith('/') ||
    ref.endsWith('.') ||
    ref.endsWith('.lock')
  ) {
    return 'is not a valid git ref name';
  }
  return undefined;
}

/**
 * Parses `git+https://host/repo.git#v1.2.0` (also `git+ssh://` and
 * `git+file://`). Throws UsageError for another protocol, a URL with a query,
 * an ssh host or user starting with `-`, a missing or invalid ref.
 */
export function parseGitSpec(spec: string): GitSpec {
  const hash = spec.indexOf('#');
  const location = hash === -1 ? spec : spec.slice(0, hash);
  const ref = hash === -1 ? '' : spec.slice(hash + 1);
  const shown = JSON.stringify(location.length > 200 ? `${location.slice(0, 200)}…` : location);
  if (location.length > MAX_URL_LENGTH) throw new UsageError(`the repository URL is longer than ${MAX_URL_LENGTH} characters`);
  const scheme = /^git\+[a-z]+:/i.exec(location)?.[0].toLowerCase() ?? '';
  const protocol = PROTOCOLS[scheme];
  if (protocol === undefined) throw new UsageError(`${shown}: build from git+https://, git+ssh:// or git+file:// URLs`);
  let url: URL;
  try {
    url = new URL(location.slice(4));
  } catch {
    const hint = protocol === 'ssh:' ? ' (write git+ssh://git@host/owner/repo.git, with a "/" where scp-like URLs have ":")' : '';
    throw new UsageError(`${shown} is not a valid URL${hint}`);
  }
  if (url.search !== '') throw new UsageError(`${shown}: a repository URL must not carry a query`);
  if (protocol === 'file:' && url.host !== '') throw new UsageError(`${shown}: a git+file:// URL names a local path (git+file:///path/to/repo)`);
  if (protocol !== 'file:' && (url.hostname === '' || url.hostname.startsWith('-') || url.username.startsWith('-'))) {
    throw new UsageError(`${shown}: the host is missing or invalid`);
  }
  if (ref === '') throw new UsageError(`${shown}: say which tag or commit to build: ${location}#v1.0.0 (or #<full commit hash>)`);
  const problem = refProblem(ref);
  if (problem !== undefined) throw new UsageError(`${shown}: the ref ${JSON.stringify(ref.slice(0, 100))} ${problem}`);
  const fetchUrl = url.href;
  const secrets = [url.password, safeDecode(url.password)];
  url.password = '';
  if (protocol === 'https:') {
    secrets.push(url.username, safeDecode(url.username));
    url.username = '';
  }
  return { fetchUrl, url: url.href, ref, secrets: secrets.filter((secret) => secret.length >= 3) };
}

/** A percent-decoded URL part, or the part itself when it does not decode. */
function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The environment git runs in: the caller's, without prompts, with ssh in batch mode and only https, ssh and file allowed. */
function gitEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_SSH_COMMAND: env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes',
    GIT_ALLOW_PROTOCOL: 'https:ssh:file',
    LC_ALL: 'C',
  };
}

/** Hides the credentials of `spec.fetchUrl` in text git printed. */
function redactor(spec: GitSpec): (text: string) => string {
  return (text) => spec.secrets.reduce((out, secret) => out.split(secret).join('***'), text.split(spec.fetchUrl).join(spec.url));
}

/** Runs git with the safe settings; `spec` hides its credentials in messages. */
function git(args: readonly string[], cwd: string, options: GitRunOptions, what: string, timeoutMs = QUICK_TIMEOUT_MS, spec?: GitSpec) {
  return runProcess('git', [...GIT_CONFIG, ...args], {
    cwd,
    env: gitEnv(options.env),
    timeoutMs,
    maxStdoutBytes: 1024 * 1024,
    what,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(spec ? { redact: redactor(spec) } : {}),
  });
}

/**
 * What `spec.ref` is in the repository: a full commit hash as given, else a
 * tag or (with `allowBranch`) a branch found by `git ls-remote`, with the
 * commit it points to. Throws UsageError for a branch without
 * `allowBranch`, an abbreviated hash, or a ref the repository does not have.
 */
export async function resolveRef(spec: GitSpec, cwd: string, allowBranch: boolean, options: GitRunOptions): Promise<{ kind: GitRefKind; commit?: string }> {
  if (FULL_COMMIT.test(spec.ref.toLowerCase())) return { kind: 'commit', commit: spec.ref.toLowerCase() };
  const tag = `refs/tags/${spec.ref}`;
  const branch = `refs/heads/${spec.ref}`;
  const { stdout } = await git(['ls-remote', '--', spec.fetchUrl, tag, branch], cwd, options, `git ls-remote ${spec.url}`, QUICK_TIMEOUT_MS, spec);
  const refs = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [hash, name] = line.split('\t');
    if (hash !== undefined && name !== undefined) refs.set(name, hash);
  }
  const tagged = refs.get(`${tag}^{}`) ?? refs.get(tag);
  if (tagged !== undefined) return { kind: 'tag', commit: tagged };
  const head = refs.get(branch);
  const where = `${spec.url}#${spec.ref}`;
  if (head !== undefined) {
    if (!allowBranch) {
      throw new UsageError(
        `${where}: ${spec.ref} is a branch, which moves, so this build could not be repeated: give a tag or a full commit hash, or pass --allow-branch`,
      );
    }
    return { kind: 'branch', commit: head };
  }
  if (/^[0-9a-f]{4,39}$/i.test(spec.ref)) throw new UsageError(`${where}: give the full commit hash (40 hex digits), not an abbreviation`);
  throw new UsageError(`${where}: the repository has no tag or branch named ${spec.ref}`);
}

/**
 * Fetches `spec.ref` (resolved as resolveRef says) into `dir`, a new empty
 * folder, and checks it out; resolves to its kind and full commit hash.
 * A commit hash is fetched alone when the server allows it, else with the
 * repository's branches and tags. Throws UsageError when the repository does
 * not hold that commit, BuildError when git fails.
 */
export async function checkOut(spec: GitSpec, dir: string, allowBranch: boolean, options: GitRunOptions): Promise<CheckedOut> {
  const resolved = await resolveRef(spec, dir, allowBranch, options);
  const fetchTimeout = options.fetchTimeoutMs ?? FETCH_TIMEOUT_MS;
  const fetchWhat = `git fetch ${spec.url}#${spec.ref}`;
  await git(['init', '--quiet', '--', dir], dir, options, `git init ${dir}`);
  const refspec = resolved.kind === 'tag' ? `refs/tags/${spec.ref}` : resolved.kind === 'branch' ? `refs/heads/${spec.ref}` : spec.ref.toLowerCase();
  let target = 'FETCH_HEAD';
  try {
    await git(['fetch', '--quiet', '--no-tags', '--depth', '1', '--', spec.fetchUrl, refspec], dir, options, fetchWhat, fetchTimeout, spec);
  } catch (error) {
    if (resolved.kind !== 'commit' || options.signal?.aborted) throw error;
    await git(
      ['fetch', '--quiet', '--no-tags', '--', spec.fetchUrl, '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'],
      dir,
      options,
      fetchWhat,
      fetchTimeout,
      spec,
    );
    target = refspec;
    const has = await git(['cat-file', '-t', '--', target], dir, options, 'git cat-file').then(
      ({ stdout }) => stdout.trim() === 'commit',
      () => false,
    );
    if (!has) throw new UsageError(`${spec.url}#${spec.ref}: the repository has no commit ${spec.ref}`);
  }
  await git(['checkout', '--quiet', '--detach', target, '--'], dir, options, `git checkout ${spec.ref}`);
  const commit = (await git(['rev-parse', '--verify', 'HEAD^{commit}'], dir, options, 'git rev-parse')).stdout.trim();
  if (!FULL_COMMIT.test(commit)) throw new UsageError(`${spec.url}#${spec.ref}: git named the commit ${JSON.stringify(commit.slice(0, 80))}`);
  if (resolved.kind === 'commit' && commit !== resolved.commit) {
    throw new UsageError(`${spec.url}#${spec.ref}: the checked-out commit is ${commit}, not the one asked for`);
  }
  return { kind: resolved.kind, commit };
}
