/**
 * The chart's own CRDs as the fake's validation rules, read once: the fake rejects what a cluster with the
 * chart installed rejects (issue #7: keep the in-repo fake honest).
 */
import { crd, crdNames } from '../../chart/chart.js';
import { CrdRules } from './crd-rules.js';

let cached: CrdRules | undefined;

export function chartCrdRules(): CrdRules {
  cached ??= CrdRules.fromCrds(crdNames().map((f) => crd(f)));
  return cached;
}
