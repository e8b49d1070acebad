import { describePasswordHashProblem, hashPassword, verifyPassword } from './password-hash';

// The smallest accepted cost keeps the suite fast; the parameters travel with the hash.
const FAST = { ln: 14, r: 8, p: 1 };

describe('password hashing (scrypt)', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse', FAST);
    await expect(verifyPassword('correct horse', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct horsE', hash)).resolves.toBe(false);
    await expect(verifyPassword('', hash)).resolves.toBe(false);
  });

  it('encodes its parameters and a random salt', async () => {
    const a = await hashPassword('same', FAST);
    const b = await hashPassword('same', FAST);
    expect(a).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toEqual(b);
    await expect(verifyPassword('same', b)).resolves.toBe(true);
  });

  it('defaults to a memory-hard setting (N=2^16, r=8, p=2)', async () => {
    const hash = await hashPassword('pw');
    expect(hash.startsWith('$scrypt$ln=16,r=8,p=2$')).toBe(true);
    await expect(verifyPassword('pw', hash)).resolves.toBe(true);
  });

  it('treats Unicode forms alike (NFC)', async () => {
    const hash = await hashPassword('caf\u00e9', FAST);
    await expect(verifyPassword('cafe\u0301', hash)).resolves.toBe(true);
  });

  it('never matches a malformed or weak hash', async () => {
    await expect(verifyPassword('x', 'plaintext')).resolves.toBe(false);
    const weak = (await hashPassword('x', FAST)).replace('ln=14', 'ln=10');
    await expect(verifyPassword('x', weak)).resolves.toBe(false);
    expect(describePasswordHashProblem(weak)).toMatch(/ln \(log2 N\) must be an integer from 14/);
    expect(describePasswordHashProblem('plaintext')).toMatch(/must look like \$scrypt\$/);
    await expect(hashPassword('x', { ln: 8, r: 8, p: 1 })).rejects.toThrow(/from 14 to 20/);
  });
});
