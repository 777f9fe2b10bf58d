import { checks } from '../checks/registry.js';
import type { UnitMeta } from '../core/unit.js';
import { methods } from '../methods/registry.js';
import { reporters } from '../reporters/registry.js';

type Kind = 'methods' | 'checks' | 'reporters';

export const LIST_KINDS: readonly Kind[] = ['methods', 'checks', 'reporters'];

const registries: Record<Kind, Record<string, UnitMeta<unknown>>> = { methods, checks, reporters };

/** Plain-text listing of units with their options and defaults. */
export function listUnits(kind: Kind | 'all'): string {
  const kinds = kind === 'all' ? LIST_KINDS : [kind];
  const lines: string[] = [];
  for (const k of kinds) {
    lines.push(`${k}:`);
    for (const unit of Object.values(registries[k])) {
      const tag =
        'family' in unit
          ? ` [${String(unit.family)}]`
          : 'category' in unit
            ? ` [${String(unit.category)}]`
            : '';
      lines.push(`  ${unit.id}${tag}  ${unit.title}`);
      lines.push(`      ${unit.summary}`);
      const defaults = (unit.defaults ?? {}) as Record<string, unknown>;
      const docs = unit.optionDocs as Record<string, string>;
      for (const opt of Object.keys(docs)) {
        lines.push(`      - ${opt} = ${JSON.stringify(defaults[opt])}: ${docs[opt]}`);
      }
    }
    lines.push('');
  }
  return lines.join('\n');
}
