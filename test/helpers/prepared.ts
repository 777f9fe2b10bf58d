import type { PreparedAudit } from '../../src/audit/prepare.js';
import type { AuditSpec } from '../../src/audit/spec.js';
import { Dataset } from '../../src/data/dataset.js';
import type { InputTransform } from '../../src/data/input.js';
import { loadManifest } from '../../src/data/manifest.js';
import type { Model } from '../../src/models/model.js';

/**
 * A PreparedAudit over one dataset 'val' read from `manifest`, with a test model and no hashes:
 * what prepareAudit would give, without importing a model file.
 */
export async function preparedOn(
  spec: AuditSpec,
  model: Model,
  manifest: string,
  classes: string[],
  transform: InputTransform,
): Promise<PreparedAudit> {
  const ds = new Dataset('val', await loadManifest(manifest, classes), transform);
  return {
    spec,
    model,
    modelSha256: '',
    input: transform,
    datasets: new Map([['val', ds]]),
    datasetSha256: new Map([['val', '']]),
  };
}
