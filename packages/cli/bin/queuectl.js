#!/usr/bin/env node
// The queuectl command: a committed, executable file (dist/ is built later and not executable).
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../dist/main.js');
