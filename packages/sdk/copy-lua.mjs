// The core reads its Lua scripts from ../lua beside its compiled code: ship them in the package.
import { cpSync } from 'node:fs';

cpSync(new URL('../shared/lua', import.meta.url), new URL('dist/shared/lua', import.meta.url), {
  recursive: true,
});
