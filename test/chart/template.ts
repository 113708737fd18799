/**
 * A small stand-in for `helm template` (no helm binary here, issue 4 §5): it turns a chart template into YAML
 * that can be parsed and inspected. Control lines (if/range/with/else/end/define) are dropped, so every branch
 * is kept; whole-line `toYaml`/`include ... | nindent N` actions become a unique placeholder key at that indent;
 * inline actions are evaluated when they use the common subset below (.Values paths, variables, include of
 * helper defines, printf, default, required, join, trimSuffix, trunc, contains, eq, not, quote), otherwise replaced by MASKED.
 */

export const MASKED = 'MASKED';

type Value = unknown;
type Scope = { dot: Value; readonly root: Value; readonly vars: Map<string, Value>; readonly defines: Map<string, string> };

const ACTION = /\{\{-?\s*([\s\S]*?)\s*-?\}\}/g;
const CONTROL = /^(if|else|end|range|with|define|block|template)\b/;

/** Helper bodies of `{{- define "name" -}} ... {{- end -}}` blocks (one level of nested if/else allowed). */
export function parseDefines(helpers: string): Map<string, string> {
  const defines = new Map<string, string>();
  const re = /\{\{-?\s*define\s+"([^"]+)"\s*-?\}\}([\s\S]*?)\{\{-?\s*end\s*-?\}\}(?=\s*(?:\{\{\/\*|\{\{-?\s*define|$))/g;
  for (const m of helpers.matchAll(re)) defines.set(m[1] ?? '', m[2] ?? '');
  return defines;
}

function lookup(base: Value, path: string): Value {
  let cur = base;
  for (const part of path.split('.').filter((p) => p !== '')) {
    if (typeof cur !== 'object' || cur === null || !(part in cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function tokenize(expr: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < expr.length) {
    const ch = expr[i] ?? '';
    if (/\s/.test(ch)) { i++; continue; }
    if (ch === '"') {
      const end = expr.indexOf('"', i + 1);
      tokens.push(expr.slice(i, end + 1));
      i = end + 1;
    } else if (ch === '(') {
      let depth = 0;
      let j = i;
      for (; j < expr.length; j++) {
        if (expr[j] === '(') depth++;
        if (expr[j] === ')' && --depth === 0) break;
      }
      tokens.push(expr.slice(i, j + 1));
      i = j + 1;
    } else if (ch === '|') {
      tokens.push('|');
      i++;
    } else {
      let j = i;
      while (j < expr.length && !/[\s|()]/.test(expr[j] ?? '')) j++;
      tokens.push(expr.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

const truthy = (v: Value): boolean =>
  v !== undefined && v !== null && v !== false && v !== '' && v !== 0 &&
  !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && v !== null && Object.keys(v).length === 0);

class Unsupported extends Error {}

/** Inside range/with the dot is a loop element this masker does not track. */
const UNKNOWN_DOT = Symbol('unknown dot');

function str(v: Value): string {
  if (typeof v === 'object' && v !== null) throw new Unsupported('object used as a string');
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

function term(token: string, scope: Scope): Value {
  if (token.startsWith('"')) return JSON.parse(token) as string;
  if (token.startsWith('(')) return pipeline(token.slice(1, -1), scope);
  if (/^-?\d+$/.test(token)) return Number(token);
  if (token === 'true' || token === 'false') return token === 'true';
  if (token === '$') return scope.root;
  if (token.startsWith('$.')) return lookup(scope.root, token.slice(2));
  if (token.startsWith('.') && scope.dot === UNKNOWN_DOT) throw new Unsupported(token);
  if (token === '.') return scope.dot;
  if (token.startsWith('.')) return lookup(scope.dot, token.slice(1));
  if (token.startsWith('$')) {
    const [name = '', ...rest] = token.split('.');
    if (!scope.vars.has(name)) throw new Unsupported(token);
    return lookup(scope.vars.get(name), rest.join('.'));
  }
  throw new Unsupported(token);
}

const FUNCS: Record<string, (args: Value[], scope: Scope) => Value> = {
  quote: ([v]) => JSON.stringify(str(v)),
  default: ([d, v]) => (truthy(v) ? v : d),
  // Helm's `required` fails the whole render; so does this one (a plain Error, not Unsupported).
  required: ([msg, v]) => {
    if (!truthy(v)) throw new Error(`execution error: ${str(msg)}`);
    return v;
  },
  join: ([sep, list]) => (Array.isArray(list) ? list.map(str).join(str(sep)) : str(list)),
  trimSuffix: ([suffix, s]) => (str(s).endsWith(str(suffix)) ? str(s).slice(0, -str(suffix).length) : str(s)),
  printf: ([fmt, ...rest]) => {
    let i = 0;
    return str(fmt).replace(/%[sdv]/g, () => str(rest[i++]));
  },
  trunc: ([n, s]) => str(s).slice(0, Number(n)),
  contains: ([sub, s]) => str(s).includes(str(sub)),
  eq: ([a, b]) => a === b,
  ne: ([a, b]) => a !== b,
  not: ([v]) => !truthy(v),
  include: ([name, dot], scope) => {
    const body = scope.defines.get(str(name));
    if (body === undefined) throw new Unsupported(`include ${str(name)}`);
    return renderDefine(body, { ...scope, dot });
  },
};

function command(tokens: readonly string[], piped: Value[], scope: Scope): Value {
  const [head = '', ...rest] = tokens;
  const fn = FUNCS[head];
  if (fn === undefined) {
    if (rest.length > 0 || piped.length > 0) throw new Unsupported(head);
    return term(head, scope);
  }
  return fn([...rest.map((t) => term(t, scope)), ...piped], scope);
}

function pipeline(expr: string, scope: Scope): Value {
  const tokens = tokenize(expr);
  const stages: string[][] = [[]];
  for (const t of tokens) {
    if (t === '|') stages.push([]);
    else stages[stages.length - 1]?.push(t);
  }
  let value: Value[] = [];
  for (const stage of stages) value = [command(stage, value, scope)];
  return value[0];
}

/** Evaluates a define body: text with actions, plus `if / else if / else / end` at one level. */
function renderDefine(body: string, scope: Scope): string {
  const parts = body.split(/(\{\{-?[\s\S]*?-?\}\})/).filter((p) => p !== '');
  let out = '';
  const stack: { taking: boolean; done: boolean }[] = [];
  const active = (): boolean => stack.every((s) => s.taking);
  for (const part of parts) {
    const m = /^\{\{-?\s*([\s\S]*?)\s*-?\}\}$/.exec(part);
    if (!m) {
      if (active()) out += part;
      continue;
    }
    const expr = m[1] ?? '';
    if (expr.startsWith('/*')) continue;
    const ifm = /^(else\s+)?if\s+([\s\S]+)$/.exec(expr);
    if (ifm && !ifm[1]) {
      const cond = truthy(pipeline(ifm[2] ?? '', scope));
      stack.push({ taking: cond, done: cond });
    } else if (ifm || expr === 'else') {
      const top = stack[stack.length - 1];
      if (!top) throw new Unsupported('else without if');
      const cond = !top.done && (ifm ? truthy(pipeline(ifm[2] ?? '', scope)) : true);
      top.taking = cond;
      top.done ||= cond;
    } else if (expr === 'end') {
      stack.pop();
    } else if (CONTROL.test(expr)) {
      throw new Unsupported(expr);
    } else if (active()) {
      out += str(pipeline(expr, scope));
    }
  }
  return out.trim();
}

function evaluate(expr: string, scope: Scope): string {
  try {
    const v = pipeline(expr, scope);
    if (v === undefined || (typeof v === 'object' && v !== null)) return MASKED;
    return str(v);
  } catch (err) {
    if (err instanceof Unsupported) return MASKED;
    throw err;
  }
}

export interface RenderContext {
  readonly values: Record<string, unknown>;
  readonly chart: Record<string, unknown>;
  readonly defines: Map<string, string>;
}

/** Masks one template into parseable YAML (see the file comment). */
export function maskTemplate(text: string, ctx: RenderContext): string {
  const root = {
    Values: ctx.values,
    Chart: { Name: ctx.chart['name'], Version: ctx.chart['version'], AppVersion: ctx.chart['appVersion'] },
    Release: { Name: 'zfs-csi', Namespace: 'zfs-system', Service: 'Helm' },
  };
  const scope: Scope = { dot: root, root, vars: new Map(), defines: ctx.defines };
  const withoutComments = text.replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, '');
  let placeholder = 0;
  const out: string[] = [];
  const blocks: boolean[] = []; // per open block: does it rebind the dot (range/with)?
  for (const line of withoutComments.split('\n')) {
    const only = /^(\s*)\{\{-?\s*([\s\S]*?)\s*-?\}\}\s*$/.exec(line);
    if (only) {
      const expr = only[2] ?? '';
      const assign = /^(\$\w+)\s*:=\s*([\s\S]+)$/.exec(expr);
      if (assign) {
        try {
          scope.vars.set(assign[1] ?? '', pipeline(assign[2] ?? '', scope));
        } catch (err) {
          if (!(err instanceof Unsupported)) throw err;
        }
        continue;
      }
      if (CONTROL.test(expr)) {
        if (/^(if|range|with|define|block)\b/.test(expr)) blocks.push(/^(range|with)\b/.test(expr));
        else if (/^end\b/.test(expr)) blocks.pop();
        scope.dot = blocks.includes(true) ? UNKNOWN_DOT : root;
        continue;
      }
      const nindent = /\|\s*nindent\s+(\d+)\s*$/.exec(expr);
      const indent = nindent ? Number(nindent[1]) : (only[1] ?? '').length;
      out.push(`${' '.repeat(indent)}masked-${++placeholder}: ${MASKED}`);
      continue;
    }
    out.push(line.replace(ACTION, (_, expr: string) => evaluate(expr, scope)));
  }
  return out.join('\n');
}
