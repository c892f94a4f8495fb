// `node --import ./bin/register.js` runs .ts files directly (tests, benches, CLI).
import { register } from 'node:module';
register('./ts-hooks.js', import.meta.url);
