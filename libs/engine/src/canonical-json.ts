/**
 * JSON with object keys sorted at every level and no whitespace, so the same
 * value always gives the same text (and so the same hash) whatever order its
 * keys were built or stored in. Follows JSON.stringify for everything else:
 * `undefined` members are left out, `undefined` in arrays becomes `null`,
 * `toJSON` is honoured (class instances and Dates serialise as they would
 * when stored).
 *
 * Every command hashes its event through here, so it is written for speed:
 * plain loops instead of map/join, a small insertion sort for the usual
 * handful of keys, and JSON.stringify only for the strings that need escaping.
 * The text is byte for byte what the first, straightforward version wrote
 * (canonical-json.unit.spec.ts keeps that version and compares them): stored
 * hashes must keep verifying.
 */
export function canonicalJson(value: unknown): string {
  return write(value) ?? 'null';
}

/**
 * `canonicalJson({ type, data, metadata })` with metadata's `hash` member left
 * out: the text an event's hash covers. Reads the metadata in place instead of
 * copying it without `hash`.
 */
export function canonicalEventJson(type: unknown, data: unknown, metadata: unknown): string {
  if (metadata === null || typeof metadata !== 'object' || typeof (metadata as WithToJson).toJSON === 'function') {
    // Only a hand-made event gets here; the copy keeps exactly what object rest would (and its errors).
    const { hash: _hash, ...rest } = metadata as Record<string, unknown>;
    return canonicalJson({ type, data, metadata: rest });
  }
  // Written in key order (data, metadata, type), as canonicalJson would visit them.
  const dataText = write(data);
  const text = `${dataText === undefined ? '{' : `{"data":${dataText},`}"metadata":${writeObject(metadata as Record<string, unknown>, 'hash')}`;
  const typeText = write(type);
  return typeText === undefined ? `${text}}` : `${text},"type":${typeText}}`;
}

type WithToJson = { toJSON?: unknown };

/** The characters JSON.stringify escapes: quote, backslash, controls, and (lone) surrogates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function quote(text: string): string {
  // Surrogate pairs are fine unescaped, but rare enough to leave to JSON.stringify with the rest.
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/**
 * `"key":` by key. Events reuse a small set of keys, so most are quoted once;
 * the bounds keep arbitrary keys in data (ids as keys) from growing it forever.
 */
const quotedKeys = new Map<string, string>();
const QUOTED_KEYS_MAX = 4096;
const QUOTED_KEY_MAX_LENGTH = 64;

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${quote(key)}:`;
    if (quotedKeys.size < QUOTED_KEYS_MAX && key.length <= QUOTED_KEY_MAX_LENGTH) quotedKeys.set(key, quoted);
  }
  return quoted;
}

function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      // Same digits as JSON.stringify (-0 included, written 0).
      return Number.isFinite(value) ? `${value}` : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (typeof (value as WithToJson).toJSON === 'function') return write((value as { toJSON(): unknown }).toJSON());
      if (Array.isArray(value)) return writeArray(value);
      return writeObject(value as Record<string, unknown>, undefined);
    }
    case 'bigint':
      // Stored events never hold bigints (the store refuses them); writing the digits keeps hashing total.
      return value.toString();
    default:
      return undefined;
  }
}

function writeArray(array: readonly unknown[]): string {
  const length = array.length;
  if (length === 0) return '[]';
  let text = '[';
  for (let i = 0; i < length; i++) {
    if (i > 0) text += ',';
    const item = array[i];
    // A hole stays empty, as Array#map and join left it.
    if (item === undefined && !(i in array)) continue;
    text += write(item) ?? 'null';
  }
  return `${text}]`;
}

function writeObject(record: Record<string, unknown>, omit: string | undefined): string {
  const keys = sortKeys(Object.keys(record));
  let text = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === omit) continue;
    const item = write(record[key]);
    if (item === undefined) continue;
    if (first) first = false;
    else text += ',';
    text += quotedKey(key) + item;
  }
  return `${text}}`;
}

/**
 * Sorts in place as Array#sort does by default (UTF-16 code units; keys are
 * distinct, so stability does not matter). Insertion sort beats the builtin
 * on the few keys an event's objects have.
 */
function sortKeys(keys: string[]): string[] {
  const length = keys.length;
  if (length > 16) return keys.sort();
  for (let i = 1; i < length; i++) {
    const key = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}
