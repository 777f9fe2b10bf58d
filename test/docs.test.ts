import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { checks } from '../src/checks/registry.js';
import { renderReference } from '../src/docs/reference.js';
import { methods } from '../src/methods/registry.js';

describe('docs/reference.md', () => {
  it('is current with the registries (run `npm run docs`)', async () => {
    expect(await readFile('docs/reference.md', 'utf8')).toBe(renderReference());
  });

  it('documents every method and check option', () => {
    const text = renderReference();
    for (const unit of [...Object.values(methods), ...Object.values(checks)]) {
      expect(text).toContain(`\`${unit.id}\``);
      for (const opt of Object.keys((unit.schema.properties ?? {}) as object))
        expect(text).toContain(`\`${opt}\``);
    }
  });
});
