// Running the project's own commands from the start and test scripts, and installing the
// dependencies when a checkout lacks them. Plain Node only: this runs before anything is installed.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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

/** What the tests need from the system's packages (Debian's names), and how to tell it is there. */
const TEST_PACKAGES = [
  { name: 'redis-server', present: () => onPath('redis-server') },
  // The rediss:// test makes its throwaway certificates with openssl.
  { name: 'openssl', present: () => onPath('openssl') },
  // The page's browser test drives Debian's Chromium; no tool downloads a browser of its own.
  { name: 'chromium', present: () => existsSync('/usr/bin/chromium') },
];

/**
 * Installs the missing TEST_PACKAGES with apt-get when it can (root, on Debian); otherwise says
 * what to install. Either way the run goes on: a test that needs a missing one fails saying so.
 */
export async function ensureTestPackages() {
  const missing = TEST_PACKAGES.filter((pkg) => !pkg.present()).map((pkg) => pkg.name);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    console.warn(
      `Missing: ${missing.join(', ')}. Install them from your system's packages ` +
        `(on Debian: apt-get install -y ${missing.join(' ')}); the tests that need them fail until then.`,
    );
    return;
  }
  console.log(`Installing from Debian's packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const installed =
    (await run('apt-get', ['update'], { env })) === 0 &&
    (await run('apt-get', ['install', '-y', ...missing], { env })) === 0;
  if (!installed) console.error('apt-get could not install them; the tests that need them fail.');
}

function onPath(command) {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, command)));
}
