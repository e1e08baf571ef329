// The core reads its Lua scripts from ../lua beside its compiled code: ship them in the package.
import { cpSync } from 'node:fs';

const lua = (root) => new URL(`${root}packages/shared/lua`, import.meta.url);
cpSync(lua('../../'), lua('dist/'), { recursive: true });
