import { describe, expect, it } from 'vitest';
import { RunCaches } from '../../src/audit/context.js';
import type { Sample } from '../../src/data/manifest.js';

const sample = (file: string) => ({ id: file, file }) as unknown as Sample;

describe('RunCaches.release (maps no later check needs are dropped: memory bounded by one explanation)', () => {
  it("drops exactly one explanation's maps, whatever the ids share as a prefix", () => {
    const c = new RunCaches();
    const map = { map: new Float32Array(4), outputDelta: null };
    for (const e of ['gc', 'gc2', 'ig']) {
      for (const f of ['a.png', 'b.png']) c.maps.set(c.mapKey(e, sample(f), 1), map);
    }
    c.release('gc');
    expect([...c.maps.keys()].map((k) => k.split('\u0000')[0]).sort()).toEqual(['gc2', 'gc2', 'ig', 'ig']);
  });
});
