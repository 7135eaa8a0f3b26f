import { SaxesParser, type SaxesTagNS } from 'saxes';
import { GatewayError } from '../core/errors';
import type { RawRecord } from '../core/validator';
import { messageWithoutContent, nameAsShown, trimXmlSpace } from '../core/value-shape';
import {
  type Charset,
  createDecoder,
  invalidBytes,
  normaliseCharset,
  type TextChunkDecoder,
} from './encoding';
import { MAX_NAMES_PER_RECORD, type RecordReader } from './record-reader';
import type { SaxesResume, XmlReaderOptions } from './xml-bytes';

export type { SaxesResume, XmlReaderOptions } from './xml-bytes';

/** The most characters fed to the parser at once: its buffers are checked after each slice. */
const SLICE = 64 * 1024;
/** Where the bytes are cut for parsing: every this many bytes of the delivery. */
const SLICE_BYTES = 16 * 1024;
/** The longest name (element, attribute, processing instruction) accepted. */
const MAX_NAME = 1024;
/** The most attributes one element may carry. */
const MAX_ATTRIBUTES = 256;

/** What saxes accumulates while a token is open; read to bound each token as it grows. */
interface SaxesBuffers {
  text: string;
  name: string;
  piTarget: string;
  entity: string;
  attribList: unknown[];
}

function holdsSaxesBuffers(parser: object): parser is SaxesBuffers {
  const p: Partial<Record<keyof SaxesBuffers, unknown>> = parser;
  return (
    typeof p.text === 'string' &&
    typeof p.name === 'string' &&
    typeof p.piTarget === 'string' &&
    typeof p.entity === 'string' &&
    Array.isArray(p.attribList)
  );
}

/**
 * The parser's own buffers, which saxes keeps private: read live, they tell how long the token
 * being parsed has grown before it ends. Checked once, so that a saxes that keeps them
 * elsewhere fails loudly instead of leaving tokens unbounded.
 */
function saxesBuffers(parser: object): SaxesBuffers {
  if (holdsSaxesBuffers(parser)) return parser;
  throw new Error('this saxes keeps its buffers elsewhere: the XML reader cannot bound a token');
}

const DECL = /^(?:\uFEFF)?<\?xml[^?]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;

/** A line and column of the delivery, as saxes counts them. */
interface Position {
  readonly line: number;
  readonly column: number;
}

function failAt(at: Position, message: string): GatewayError {
  return new GatewayError('not_well_formed', `line ${at.line}, column ${at.column}: ${message}`, {
    line: at.line,
    column: at.column,
  });
}

/**
 * Reads a delivery with saxes, a general XML parser: for any encoding and any construct, and
 * where the byte scanner (xml-scanner.ts) hands over. The input after `resume` is UTF-8.
 */
export function createSaxesXmlReader(opts: XmlReaderOptions, resume?: SaxesResume): RecordReader {
  const maxField = opts.maxFieldChars ?? 100_000;
  const maxDepth = opts.maxDepth ?? 32;
  // Text longer than any field may be, with room for whitespace around a value and for
  // comments: past this, the delivery is refused before the text is held whole.
  const maxToken = Math.max(4 * maxField, 64 * 1024);
  const trim = opts.trim === false ? (s: string) => s : trimXmlSpace;
  const parser = new SaxesParser({ xmlns: true, position: true });
  // Where the scanner handed over, saxes starts on line 1 with the root's start tag: its
  // positions are moved to where that tag ended in the delivery (see `resume` below).
  let lineShift = 0;
  let columnShift = 0;
  let shiftedLine = 0;
  const at: Position = {
    get line() {
      return parser.line + lineShift;
    },
    get column() {
      return parser.line === shiftedLine ? parser.column + columnShift : parser.column;
    },
  };
  let batch: RawRecord[] = [];
  let depth = 0;
  let rootAttributes: Record<string, string> | undefined;
  let n = resume?.records ?? 0;
  let current: RawRecord | null = null;
  let fieldName: string | null = null;
  let fieldText = '';
  let seenRootEnd = false;
  // Records name their fields in much the same order each time: try the element after the
  // last one first, a comparison of two short strings, before hashing the name for the map.
  const names = [...opts.elementToField.keys()];
  const ids = names.map((name) => opts.elementToField.get(name) as string);
  let next = 0;
  const fieldOf = (local: string): string | undefined => {
    for (let i = next; i < names.length; i++) {
      if (names[i] === local) {
        next = i + 1;
        return ids[i];
      }
    }
    next = 0;
    return opts.elementToField.get(local);
  };

  // Every token is held to its bound when it ends, whatever the chunks it came in; a token
  // still open is held to it where a slice ends (checkBuffers), so none grows without bound.
  const textTooLong = () =>
    new GatewayError(
      'unprocessable',
      `line ${at.line}: a text, attribute value, comment or CDATA section runs past ${maxToken} characters; the longest field of this dataset holds ${maxField - 1}`,
      { line: at.line },
    );
  const checkText = (text: string) => {
    if (text.length > maxToken) throw textTooLong();
  };
  const checkName = (name: string) => {
    if (name.length > MAX_NAME)
      throw failAt(at, `a name or entity reference runs past ${MAX_NAME} characters`);
  };
  const checkTag = (tag: SaxesTagNS) => {
    checkName(tag.name);
    const attributes = Object.values(tag.attributes);
    if (attributes.length > MAX_ATTRIBUTES)
      throw failAt(at, `an element carries more than ${MAX_ATTRIBUTES} attributes`);
    for (const a of attributes) {
      checkName(a.name);
      checkText(a.value);
    }
  };
  parser.on('doctype', () => {
    throw failAt(at, 'a DOCTYPE is not accepted (no DTDs, no entity declarations)');
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    checkTag(tag);
    depth++;
    if (depth > maxDepth) throw failAt(at, `elements nest deeper than ${maxDepth}`);
    if (depth === 1) {
      if (tag.local !== opts.root || tag.uri !== opts.namespace) {
        throw new GatewayError(
          'metadata_mismatch',
          `the root element is not {${opts.namespace}}${opts.root}, which this dataset expects (it is ${nameAsShown(tag.local)}${tag.uri === opts.namespace ? '' : ' in another namespace'})`,
          { line: at.line },
        );
      }
      rootAttributes = {};
      for (const a of Object.values(tag.attributes)) {
        if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
        rootAttributes[a.local] = a.value;
      }
      return;
    }
    if (depth === 2) {
      if (tag.local !== opts.record || tag.uri !== opts.namespace) {
        throw new GatewayError(
          'unprocessable',
          `line ${at.line}: element ${nameAsShown(tag.local)}${tag.uri === opts.namespace ? '' : ' (in another namespace)'} is not a record; records are {${opts.namespace}}${opts.record}`,
          { line: at.line },
        );
      }
      n++;
      next = 0;
      current = { n, line: at.line, fields: {} };
      return;
    }
    if (depth === 3 && current) {
      const id = tag.uri === opts.namespace ? fieldOf(tag.local) : undefined;
      if (id === undefined) {
        current.unknown ??= [];
        if (current.unknown.length < MAX_NAMES_PER_RECORD) current.unknown.push(tag.local);
        fieldName = null;
      } else {
        if (current.fields[id] !== undefined) {
          current.repeated ??= [];
          if (current.repeated.length < MAX_NAMES_PER_RECORD) current.repeated.push(id);
        }
        fieldName = id;
      }
      fieldText = '';
      return;
    }
    if (depth > 3 && current && depth === 4) {
      current.unknown ??= [];
      if (current.unknown.length < MAX_NAMES_PER_RECORD)
        current.unknown.push(`${fieldName ?? '?'}/${tag.local}`);
    }
  });
  const onText = (text: string) => {
    checkText(text);
    if (depth === 3 && fieldName !== null && fieldText.length <= maxField) {
      fieldText += text;
      if (fieldText.length > maxField) fieldText = fieldText.slice(0, maxField + 1);
    }
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('comment', checkText);
  parser.on('processinginstruction', (pi) => {
    checkName(pi.target);
    checkText(pi.body);
  });
  parser.on('closetag', () => {
    if (depth === 3 && current && fieldName !== null) {
      current.fields[fieldName] = trim(fieldText);
      fieldName = null;
    } else if (depth === 2 && current) {
      batch.push(current);
      current = null;
    } else if (depth === 1) {
      seenRootEnd = true;
    }
    depth--;
  });

  let decoder: TextChunkDecoder | null = null;
  let charset: Charset = 'utf-8';
  let head: Uint8Array | null = null;

  /** A fault saxes raised, as the problem it is, at its line and column; the text it quotes left out. */
  const asProblem = (e: unknown): GatewayError =>
    e instanceof GatewayError ? e : failAt(at, messageWithoutContent((e as Error).message));
  const buffers = saxesBuffers(parser);
  const checkBuffers = () => {
    if (buffers.text.length > maxToken) throw textTooLong();
    if (
      buffers.name.length > MAX_NAME ||
      buffers.piTarget.length > MAX_NAME ||
      buffers.entity.length > MAX_NAME
    )
      throw failAt(at, `a name or entity reference runs past ${MAX_NAME} characters`);
    if (buffers.attribList.length > MAX_ATTRIBUTES)
      throw failAt(at, `an element carries more than ${MAX_ATTRIBUTES} attributes`);
  };
  const feed = (text: string) => {
    try {
      let i = 0;
      do {
        // A slice never ends inside a surrogate pair: saxes reads code points.
        let end = Math.min(i + SLICE, text.length);
        const last = text.charCodeAt(end - 1);
        if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
        parser.write(i === 0 && end === text.length ? text : text.slice(i, end));
        checkBuffers();
        i = end;
      } while (i < text.length);
    } catch (e) {
      throw asProblem(e);
    }
  };

  const chooseDecoder = (bytes: Uint8Array): TextChunkDecoder => {
    // The XML declaration is ASCII in every encoding we accept; read it to pick the decoder.
    const prefix = String.fromCharCode(...bytes.subarray(0, Math.min(bytes.length, 200)));
    const m = DECL.exec(prefix);
    charset = 'utf-8';
    if (m?.[1]) {
      const c = normaliseCharset(m[1]);
      if (!c)
        throw new GatewayError(
          'not_well_formed',
          `the declared encoding ${nameAsShown(m[1])} is not supported (UTF-8, ISO-8859-1, Windows-1252)`,
        );
      charset = c;
    }
    return createDecoder(charset);
  };

  const take = () => {
    const out = batch;
    batch = [];
    return out;
  };

  /**
   * The bytes are parsed in slices that end at fixed places of the delivery (every
   * SLICE_BYTES, moved past the rest of a UTF-8 character), not where its chunks happen to end:
   * the same bytes meet the same checks however they arrive.
   */
  let offset = resume?.offset ?? 0;
  let carry: Uint8Array = new Uint8Array();
  const parseSlice = (bytes: Uint8Array) => {
    // What stands before bytes invalid in the charset is parsed first: an earlier fault is
    // named first, and the bad bytes by their line and column.
    const { text, invalid } = (decoder as TextChunkDecoder).decodeUpToInvalid(bytes);
    feed(text);
    if (invalid) throw invalidBytes(charset, at);
  };
  const push = (chunk: Uint8Array, ending: boolean) => {
    const bytes = carry.length ? concat(carry, chunk) : chunk;
    let start = 0;
    for (;;) {
      let cut = start + (Math.floor(offset / SLICE_BYTES) + 1) * SLICE_BYTES - offset;
      const boundary = cut;
      while (cut < bytes.length && cut - boundary < 3 && ((bytes[cut] as number) & 0xc0) === 0x80) cut++;
      if (cut >= bytes.length) {
        if (ending) {
          parseSlice(bytes.subarray(start));
          offset += bytes.length - start;
          carry = new Uint8Array();
        } else carry = bytes.subarray(start);
        return;
      }
      parseSlice(bytes.subarray(start, cut));
      offset += cut - start;
      start = cut;
    }
  };

  if (resume) {
    decoder = createDecoder('utf-8');
    feed(resume.primer);
    lineShift = resume.line - parser.line;
    columnShift = resume.column - parser.column;
    shiftedLine = parser.line;
  }

  return {
    get rootAttributes() {
      return rootAttributes;
    },
    write(chunk) {
      if (!decoder) {
        // Wait for enough bytes to see the whole XML declaration.
        head = head ? concat(head, chunk) : chunk;
        if (head.length < 200) return [];
        decoder = chooseDecoder(head);
        chunk = head;
        head = null;
      }
      push(chunk, false);
      return take();
    },
    end() {
      if (!decoder) {
        const bytes = head ?? new Uint8Array();
        if (bytes.length === 0) throw new GatewayError('not_well_formed', 'the delivery is empty');
        decoder = chooseDecoder(bytes);
        head = null;
        push(bytes, true);
      } else push(new Uint8Array(), true);
      let tail: string;
      try {
        tail = decoder.end();
      } catch {
        throw invalidBytes(charset, at);
      }
      feed(tail);
      try {
        parser.close();
      } catch (e) {
        throw asProblem(e);
      }
      if (!seenRootEnd) throw failAt(at, 'the document ended before its root element was closed');
      return take();
    },
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
