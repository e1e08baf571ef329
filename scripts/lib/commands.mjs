// Running the project's own commands from the start and test scripts, and installing the
// dependencies when a checkout lacks them. Plain Node only: this runs before anything is installed.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs a command with inherited output and resolves with its exit code (1 if it could not run). */
export function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: 'inherit', ...options });
    child.once('error', (error) => {
      console.error(`could not run ${command}: ${error.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Installs with `npm install` when node_modules is missing or older than package-lock.json. */
export async function ensureDependencies() {
  const reason = installReason();
  if (!reason) return;
  console.log(`Installing dependencies (${reason}): npm install`);
  const code = await run('npm', ['install']);
  if (code !== 0) {
    console.error('npm install failed; fix the error above and run the command again.');
    process.exit(code);
  }
}

function installReason() {
  const installed = `${repoRoot}/node_modules/.package-lock.json`;
  if (!existsSync(installed)) return 'node_modules is missing';
  const lock = `${repoRoot}/package-lock.json`;
  if (existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs) {
    return 'package-lock.json changed since the last install';
  }
  return undefined;
}
