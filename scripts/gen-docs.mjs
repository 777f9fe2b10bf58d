// Writes docs/reference.md from the registries (run after `npm run build`).
import { writeFileSync } from 'node:fs';
import { renderReference } from '../dist/docs/reference.js';

writeFileSync(new URL('../docs/reference.md', import.meta.url), renderReference());
console.log('wrote docs/reference.md');
