import { access, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { XauditError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { parseCsv } from './csv.js';

/** A box in source pixels: [x0, y0, x1, y1], x1 and y1 exclusive. */
export type Box = [number, number, number, number];

export interface Sample {
  /** Stable id: the manifest path as written. */
  id: string;
  /** Absolute file path. */
  file: string;
  label: string;
  /** Index of `label` in the model's classes. */
  labelIndex: number;
  boxes: Box[];
  /** Absolute path of a PNG mask (non-zero = inside), if given. */
  mask: string | null;
  group: string | null;
  /** Manifest line, for error messages. */
  line: number;
}

export interface Manifest {
  file: string;
  samples: Sample[];
  hasBoxes: boolean;
  /** Whether any sample has a segmentation mask (the 'mask' column). */
  hasMasks: boolean;
  hasGroups: boolean;
}

const COLUMNS = ['path', 'label', 'box', 'mask', 'group'] as const;

export async function loadManifest(file: string, classes: readonly string[]): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new XauditError('FILE_MISSING', `Cannot read the data manifest '${file}'`, { cause: e });
  }
  const rows = parseCsv(text);
  if (rows.length === 0) throw new XauditError('MANIFEST_INVALID', `${file}: the manifest is empty`);
  const header = rows[0].cells.map((c) => c.trim());
  for (const [i, name] of header.entries()) {
    if (!(COLUMNS as readonly string[]).includes(name)) {
      throw new XauditError('MANIFEST_INVALID', `Unknown column '${name}' (column ${i + 1})`, {
        location: { file, line: rows[0].line },
        hint: `${didYouMean(name, COLUMNS)} Expected columns: path,label[,box][,mask][,group].`,
      });
    }
  }
  for (const required of ['path', 'label']) {
    if (!header.includes(required)) {
      throw new XauditError('MANIFEST_INVALID', `The manifest has no '${required}' column`, {
        location: { file, line: rows[0].line },
        hint: 'Expected columns: path,label[,box][,mask][,group].',
      });
    }
  }
  const col = (name: string) => header.indexOf(name);
  const base = dirname(file);
  const samples: Sample[] = [];
  const seen = new Set<string>();
  for (const row of rows.slice(1)) {
    const at = { file, line: row.line };
    if (row.cells.length !== header.length) {
      throw new XauditError(
        'MANIFEST_INVALID',
        `Row has ${row.cells.length} cells, the header has ${header.length}`,
        { location: at },
      );
    }
    const get = (name: string) => (col(name) >= 0 ? row.cells[col(name)].trim() : '');
    const id = get('path');
    if (id === '') throw new XauditError('MANIFEST_INVALID', 'Empty path', { location: at });
    if (seen.has(id)) throw new XauditError('MANIFEST_INVALID', `Duplicate path '${id}'`, { location: at });
    seen.add(id);
    const label = get('label');
    const labelIndex = classes.indexOf(label);
    if (labelIndex < 0) {
      throw new XauditError('MANIFEST_INVALID', `Label '${label}' is not one of the model's classes`, {
        location: at,
        hint: didYouMean(label, classes),
      });
    }
    const maskPath = get('mask');
    samples.push({
      id,
      file: resolve(base, id),
      label,
      labelIndex,
      boxes: parseBoxes(get('box'), at),
      mask: maskPath === '' ? null : resolve(base, maskPath),
      group: get('group') === '' ? null : get('group'),
      line: row.line,
    });
  }
  await Promise.all(
    samples.map(async (s) => {
      try {
        await access(s.file);
      } catch {
        throw new XauditError('FILE_MISSING', `Image '${s.id}' does not exist (looked for ${s.file})`, {
          location: { file, line: s.line },
        });
      }
    }),
  );
  return {
    file,
    samples,
    hasBoxes: samples.some((s) => s.boxes.length > 0),
    hasMasks: samples.some((s) => s.mask !== null),
    hasGroups: samples.some((s) => s.group !== null),
  };
}

function parseBoxes(text: string, at: { file: string; line: number }): Box[] {
  if (text === '') return [];
  return text.split(';').map((part) => {
    const v = part.trim().split(/\s+/).map(Number);
    if (v.length !== 4 || v.some((x) => !Number.isFinite(x)) || v[2] <= v[0] || v[3] <= v[1]) {
      throw new XauditError('MANIFEST_INVALID', `Invalid box '${part.trim()}'`, {
        location: at,
        hint: "A box is 'x0 y0 x1 y1' in source pixels with x1 > x0 and y1 > y0; join several with ';'.",
      });
    }
    return v as Box;
  });
}
