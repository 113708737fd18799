/**
 * Every file of the chart parses (issue 4 §5): plain YAML as is, templates after masking their actions
 * (template.ts), strictly (duplicate keys fail), and every rendered object names an apiVersion and kind.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHART, chartYaml, crdNames, parseDocs, read, renderTemplate, templateNames, valuesSchema } from './chart.js';
import { MASKED, maskTemplate, parseDefines } from './template.js';

test('Chart.yaml, values.yaml and values.schema.json parse', () => {
  assert.equal(chartYaml()['apiVersion'], 'v2');
  assert.equal(parseDocs(read(CHART, 'values.yaml'), 'values.yaml').length, 1);
  assert.equal(valuesSchema()['type'], 'object');
});

test('every CRD file is one CustomResourceDefinition', () => {
  assert.deepEqual(crdNames(), ['zfsnodes.yaml', 'zfsreplications.yaml', 'zfssnapshots.yaml', 'zfstransfers.yaml', 'zfsvolumes.yaml']);
  for (const file of crdNames()) {
    const [doc, ...rest] = parseDocs(read(CHART, 'crds', file), file);
    assert.equal(rest.length, 0, file);
    assert.equal((doc as Record<string, unknown>)['kind'], 'CustomResourceDefinition', file);
  }
});

test('every template masks into YAML documents that are Kubernetes objects', () => {
  const templates = templateNames().filter((t) => t.endsWith('.yaml'));
  assert.ok(templates.length >= 10, `only ${templates.length} templates`);
  for (const name of templates) {
    // crds.yaml renders whole CRDs from files: its one object is a placeholder here.
    for (const doc of renderTemplate(name)) {
      if (name === 'crds.yaml') continue;
      assert.equal(typeof doc['apiVersion'], 'string', `${name}: apiVersion`);
      assert.equal(typeof doc['kind'], 'string', `${name}: kind`);
      assert.ok(doc['metadata'] !== undefined, `${name}: metadata`);
    }
  }
});

test('the masker rejects what helm would reject: a template with a duplicate key fails to parse', () => {
  const broken = 'metadata:\n  name: {{ .Values.driverName }}\n  name: again\n';
  const text = maskTemplate(broken, { values: { driverName: 'x' }, chart: {}, defines: new Map() });
  assert.throws(() => parseDocs(text, 'broken'), /unique|duplicate/i);
});

test('the masker evaluates what the chart tests rely on, and masks the rest', () => {
  const defines = parseDefines('{{- define "a" -}}\n{{- if .Values.x -}}\nyes\n{{- else -}}\nno\n{{- end -}}\n{{- end -}}\n');
  const ctx = { values: { x: false, list: ['p', 'q'] }, chart: {}, defines };
  assert.equal(maskTemplate('k: {{ include "a" . }}', ctx), 'k: no');
  assert.equal(maskTemplate('k: {{ join "," .Values.list | quote }}', ctx), 'k: "p,q"');
  assert.equal(maskTemplate('k: {{ lower .Values.x }}', ctx), `k: ${MASKED}`);
  assert.equal(maskTemplate('  {{- toYaml .Values.list | nindent 4 }}', ctx), `    masked-1: ${MASKED}`);
  assert.equal(maskTemplate('{{- if .Values.x }}\nk: v\n{{- end }}', ctx), 'k: v');
});

test('NOTES.txt has balanced template actions', () => {
  const notes = read(CHART, 'templates', 'NOTES.txt');
  assert.equal((notes.match(/\{\{/g) ?? []).length, (notes.match(/\}\}/g) ?? []).length);
  const opens = (notes.match(/\{\{-?\s*(if|with|range)\b/g) ?? []).length;
  const ends = (notes.match(/\{\{-?\s*end\b/g) ?? []).length;
  assert.equal(opens, ends);
});
