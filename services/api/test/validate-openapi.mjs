// Validates the OpenAPI document on stdin with @seriousme/openapi-schema-validator (an ES module,
// so run as its own process from the CommonJS tests); prints {valid, version, errors?}.
import { Validator } from '@seriousme/openapi-schema-validator';

let text = '';
for await (const chunk of process.stdin) text += chunk;
const validator = new Validator();
const result = await validator.validate(JSON.parse(text));
console.log(JSON.stringify({ ...result, version: validator.version }));
