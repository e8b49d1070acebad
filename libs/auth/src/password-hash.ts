import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt cost parameters. `ln` is log2(N). The default (N=2^16, r=8, p=2, 64 MiB)
 * is one of OWASP's recommended scrypt settings.
 */
export interface ScryptParams {
  ln: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { ln: 16, r: 8, p: 2 };

/** Below this a hash is refused: N=2^14 is the least memory-hard setting we accept. */
export const MIN_SCRYPT_LN = 14;

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

/**
 * Why a stored hash is not acceptable, or undefined when it is. Used by the
 * organisation-file validation so a bad hash is reported at start-up, not at login.
 */
export function describePasswordHashProblem(encoded: string): string | undefined {
  const parsed = parse(encoded);
  if (typeof parsed === 'string') return parsed;
  return undefined;
}

/**
 * Hashes a password with scrypt and encodes the result with its parameters
 * (PHC string: `$scrypt$ln=16,r=8,p=2$<salt>$<hash>`, base64 without padding),
 * so parameters can be raised later without invalidating old hashes.
 */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  const problem = describeParams(params);
  if (problem) throw new Error(problem);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

/** True when the password matches the hash. A malformed hash never matches. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parse(encoded);
  if (typeof parsed === 'string') return false;
  const key = await derive(password, parsed.salt, parsed.params, parsed.key.length);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

function parse(encoded: string): ParsedHash | string {
  const m = PHC.exec(encoded);
  if (!m) return 'password hash must look like $scrypt$ln=<n>,r=<n>,p=<n>$<salt base64>$<hash base64>';
  const params: ScryptParams = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  const problem = describeParams(params);
  if (problem) return problem;
  const salt = Buffer.from(m[4], 'base64');
  const key = Buffer.from(m[5], 'base64');
  if (salt.length < 16) return 'password hash salt must be at least 16 bytes';
  if (key.length < 32) return 'password hash must be at least 32 bytes';
  return { params, salt, key };
}

function describeParams({ ln, r, p }: ScryptParams): string | undefined {
  if (!Number.isInteger(ln) || ln < MIN_SCRYPT_LN || ln > 20) {
    return `scrypt ln (log2 N) must be an integer from ${MIN_SCRYPT_LN} to 20, got ${ln}`;
  }
  if (!Number.isInteger(r) || r < 8 || r > 32) return `scrypt r must be an integer from 8 to 32, got ${r}`;
  if (!Number.isInteger(p) || p < 1 || p > 16) return `scrypt p must be an integer from 1 to 16, got ${p}`;
  return undefined;
}

function derive(password: string, salt: Buffer, { ln, r, p }: ScryptParams, keyLength: number): Promise<Buffer> {
  const N = 2 ** ln;
  // Node refuses by default above 32 MiB; allow what these parameters need.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function b64(buf: Buffer): string {
  return buf.toString('base64').replace(/=+$/, '');
}
