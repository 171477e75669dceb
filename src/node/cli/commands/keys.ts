/**
 * `plughub keys show|rotate --data DIR`: the registry's signing keys.
 * `show` prints the identity, keyid and base64 public key that hosts put in
 * `trustedKeys` (creating the keyring if the data directory has none);
 * `rotate` creates a new key (or takes `--signing-key FILE`) and publishes
 * keys version n+1, signed by the old key and the new one. `plughub keys generate --out FILE` writes an
 * author key file (`{ keyid, publicKey, privateKey }`, base64) for
 * `plughub publish --sign-key FILE`.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createFsSigningStore, ensureKeyring, rotateKeyring, type Keyring } from '../../../../registry-server/index.js';
import { generateSigningKey } from '../../../core/trust/index.js';
import { atMost, usageError } from '../args.js';
import { readSigningKeyFile } from '../author-signature.js';
import { dataOption, KEYS_TTL_MS } from '../data-options.js';
import { parseCommandArgs, type CliIO, type Command } from '../command.js';
import { printJson, printLines } from '../output.js';

const usage = `usage: plughub keys show [--data DIR] [--registry ID] [--json]
       plughub keys rotate [--data DIR] [--signing-key FILE] [--json]
       plughub keys generate --out FILE

Manages the Ed25519 keys that sign a registry's metadata, and author keys.

  show              the registry identity, keyid and public key (base64) to
                    give hosts as trustedKeys; creates the keys if missing
    --registry ID     identity of a keyring created now (default plughub:<keyid>)
  rotate            a new signing key; keys version n+1 announces it, signed
                    by the old key and the new one (restart servers or wait 1 s)
    --signing-key FILE  the new key, a file of plughub keys generate (default: a new one)
  generate          a new author key file { keyid, publicKey, privateKey }
    --out FILE        where to write it (mode 0600; never overwritten)
  --data DIR        the data directory (default ./plughub-data)
  --json            print { registry, keysVersion, threshold, keys } as JSON
`;

const options = {
  ...dataOption,
  registry: { type: 'string' },
  out: { type: 'string' },
  'signing-key': { type: 'string' },
  json: { type: 'boolean' },
} as const;

function describe(io: CliIO, keyring: Keyring, json: boolean, heading: string): void {
  const keys = keyring.active.map((keyid) => ({ keyid, publicKey: keyring.keys.find((key) => key.keyid === keyid)!.publicKey }));
  if (json) {
    printJson(io, { registry: keyring.registry, keysVersion: keyring.keysVersion, threshold: keyring.threshold, keys });
    return;
  }
  printLines(io, [
    heading,
    `  registry   ${keyring.registry}`,
    `  keys       version ${keyring.keysVersion}, threshold ${keyring.threshold}`,
    ...keys.flatMap((key) => [`  keyid      ${key.keyid}`, `  publicKey  ${key.publicKey}`]),
  ]);
}

async function generate(io: CliIO, out: string | undefined): Promise<void> {
  if (out === undefined) throw usageError('keys', 'generate needs --out FILE');
  const path = resolve(io.cwd, out);
  const key = await generateSigningKey();
  const file = { keyid: key.keyid, publicKey: key.publicKey, privateKey: key.privateKeyPkcs8 };
  try {
    await writeFile(path, `${JSON.stringify(file, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw usageError('keys', `${path} exists; choose another --out (a key file is never overwritten)`);
    throw error;
  }
  printLines(io, [`wrote author key ${path}`, `  keyid      ${key.keyid}`, `  publicKey  ${key.publicKey}`]);
}

/** The `keys` command. */
export const keys: Command = {
  name: 'keys',
  summary: 'show or rotate the registry signing keys, or generate an author key',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('keys', argv, options);
    const [action, ...rest] = positionals;
    atMost(`keys ${action ?? ''}`.trim(), rest, 0);
    const directory = resolve(io.cwd, values.data);
    const json = values.json === true;
    switch (action) {
      case 'show': {
        const store = createFsSigningStore(directory);
        const setup = { ttlMs: KEYS_TTL_MS, now: Date.now(), ...(values.registry !== undefined ? { registry: values.registry } : {}) };
        const { keyring } = await ensureKeyring(store, setup);
        describe(io, keyring, json, `signing keys of ${directory}`);
        return 0;
      }
      case 'rotate': {
        const store = createFsSigningStore(directory);
        const file = values['signing-key'];
        const key = file === undefined ? undefined : await readSigningKeyFile(resolve(io.cwd, file));
        await ensureKeyring(store, { ttlMs: KEYS_TTL_MS, now: Date.now() });
        const rotated = await rotateKeyring(store, { ttlMs: KEYS_TTL_MS, now: Date.now(), ...(key !== undefined ? { key } : {}) });
        describe(io, rotated, json, `rotated the signing key of ${directory}`);
        return 0;
      }
      case 'generate':
        await generate(io, values.out);
        return 0;
      case undefined:
        throw usageError('keys', 'missing the action: show, rotate or generate');
      default:
        throw usageError('keys', `unknown action "${action}": show, rotate or generate`);
    }
  },
};
