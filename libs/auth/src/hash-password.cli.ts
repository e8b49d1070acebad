/**
 * Prints the scrypt hash of a password for the organisation file's `passwordHash`.
 *   npx ts-node -r tsconfig-paths/register libs/auth/src/hash-password.cli.ts
 * then type the password and press Ctrl-D (one trailing newline is dropped). Reading
 * stdin keeps the password out of the shell history and the process list.
 */
import { hashPassword } from './password-hash';

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (!password) {
    process.stderr.write('usage: hash-password.cli.ts, then type the password on stdin\n');
    process.exitCode = 2;
    return;
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
});
