import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * Holds every answer a test receives to the OpenAPI document the gateway serves: the status
 * must be documented for the operation, the documented headers present, and the body valid
 * against the schema of its content type. A difference fails the test, so the document and
 * the server cannot drift apart.
 */

type Json = Record<string, unknown>;
interface ResponseObject {
  $ref?: string;
  description?: string;
  headers?: Record<string, { $ref?: string; required?: boolean }>;
  content?: Record<string, { schema?: unknown }>;
}
interface Operation {
  operationId?: string;
  responses: Record<string, ResponseObject>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { responses?: Record<string, ResponseObject>; headers?: Record<string, Json> };
}

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

export class Contract {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: Array<{ template: string; pattern: RegExp; params: number }>;

  constructor(readonly doc: OpenApiDocument) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    this.ajv.addFormat('binary', true);
    this.ajv.addSchema({ ...doc }, 'openapi');
    // Literal segments before parameters: /v1/audit/verify is not /v1/audit/{id}.
    this.templates = Object.keys(doc.paths)
      .map((template) => ({
        template,
        pattern: new RegExp(
          `^${template
            .split(/\{[^}]+\}/)
            .map((s) => s.replace(/[.*+?^$(){}|[\]\\]/g, '\\$&'))
            .join('[^/]+')}$`,
        ),
        params: (template.match(/\{/g) ?? []).length,
      }))
      .sort((a, b) => a.params - b.params);
  }

  /** The documented path a request path falls under, if any. */
  templateOf(path: string): string | undefined {
    return this.templates.find((t) => t.pattern.test(path))?.template;
  }

  private resolve(response: ResponseObject, at: string): { response: ResponseObject; at: string } {
    if (!response.$ref) return { response, at };
    const name = response.$ref.replace('#/components/responses/', '');
    const shared = this.doc.components?.responses?.[name];
    if (!shared) throw new ContractViolation(`${at}: ${response.$ref} is not in the document`);
    return { response: shared, at: pointer('components', 'responses', name) };
  }

  private validator(at: string): ValidateFunction {
    let v = this.validators.get(at);
    if (!v) {
      v = this.ajv.compile({ $ref: `openapi#/${at}` });
      this.validators.set(at, v);
    }
    return v;
  }

  /**
   * Checks one answer; throws a ContractViolation naming what differs. Paths the document
   * does not describe (the dashboard, /docs, the problem pages, unknown paths) and CORS
   * preflights are not checked.
   */
  async check(method: string, url: string, res: Response): Promise<void> {
    const path = new URL(url, 'http://gateway.test').pathname;
    const template = this.templateOf(path);
    // A CORS preflight (OPTIONS) is the browser's conversation with the server, not an operation.
    if (!template || method.toUpperCase() === 'OPTIONS') return;
    const m = method.toLowerCase();
    const item = this.doc.paths[template] ?? {};
    const op = item[m];
    const what = `${method.toUpperCase()} ${path} answered ${res.status}`;
    let found: { response: ResponseObject; at: string };
    if (!op) {
      // A method the path does not take: the shared 405 with Allow.
      const shared = this.doc.components?.responses?.MethodNotAllowed;
      if (res.status !== 405 || !shared)
        throw new ContractViolation(`${what}: ${template} documents no ${method.toUpperCase()}`);
      found = { response: shared, at: pointer('components', 'responses', 'MethodNotAllowed') };
    } else {
      const status = String(res.status);
      const key = [status, `${status[0]}XX`, 'default'].find((k) => k in op.responses);
      if (!key)
        throw new ContractViolation(
          `${what}: ${op.operationId ?? template} documents only ${Object.keys(op.responses).join(', ')}`,
        );
      found = this.resolve(
        op.responses[key] as ResponseObject,
        pointer('paths', template, m, 'responses', key),
      );
    }
    const { response, at } = found;
    for (const [name, h] of Object.entries(response.headers ?? {})) {
      const header = h.$ref
        ? (this.doc.components?.headers?.[h.$ref.replace('#/components/headers/', '')] ?? {})
        : h;
      if (header.required && !res.headers.has(name))
        throw new ContractViolation(`${what}: the documented header ${name} is missing`);
    }
    const type = (res.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const content = response.content;
    if (m === 'head' || res.status === 204 || res.status === 304) return;
    if (!content) {
      const body = await res.clone().arrayBuffer();
      if (body.byteLength)
        throw new ContractViolation(`${what}: a ${type || 'untyped'} body where the document says none`);
      return;
    }
    if (!(type in content))
      throw new ContractViolation(
        `${what}: Content-Type ${type || '(none)'}, documented ${Object.keys(content).join(', ')}`,
      );
    if (!/^application\/([\w.-]+\+)?json$/.test(type)) return;
    const text = await res.clone().text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ContractViolation(`${what}: ${type} that is not JSON`);
    }
    const validate = this.validator(pointer(...at.split('/').map(segmentOf), 'content', type, 'schema'));
    if (!validate(body))
      throw new ContractViolation(
        `${what}: the body does not fit the schema: ${this.ajv.errorsText(validate.errors, { separator: '; ' })}`,
      );
  }
}

/** The inverse of `pointer` for one segment. */
function segmentOf(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

const cache = new Map<string, Contract>();

/** The contract of a gateway, read once per document text from its own /openapi.json. */
export async function contractOf(fetchDocument: () => Promise<Response>): Promise<Contract> {
  const text = await (await fetchDocument()).text();
  let c = cache.get(text);
  if (!c) {
    c = new Contract(JSON.parse(text) as OpenApiDocument);
    cache.set(text, c);
  }
  return c;
}
