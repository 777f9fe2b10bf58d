/** Reading the files a model consists of, with the errors every importer gives for them. */

import { readFile } from 'node:fs/promises';
import { XauditError } from '../../core/errors.js';
import { asObject, type Json } from './json-fields.js';

/** A file's bytes; missing or unreadable is FILE_MISSING at that file (`what`: e.g. 'weight shard'). */
export async function readModelFile(file: string, what = 'model file'): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new XauditError('FILE_MISSING', `${what} ${file} does not exist or cannot be read`, {
      location: { file },
      cause: e,
    });
  }
}

/** A model.json as an object; invalid JSON (or not an object) is MODEL_FORMAT. */
export async function readModelJson(file: string): Promise<Json> {
  const text = Buffer.from(await readModelFile(file)).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new XauditError('MODEL_FORMAT', `${file} is not valid JSON: ${(e as Error).message}`, {
      location: { file },
      cause: e,
    });
  }
  return asObject(parsed, file, 'model.json');
}
