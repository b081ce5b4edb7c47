/**
 * A stand-in for CloudFront Functions' JavaScript runtime 2.0: runs a function's code in a fresh `vm`
 * context that holds only ES 5.1's global objects (a subset of what the runtime documents), calls its
 * top-level `handler(event)`, and builds viewer-request events the way CloudFront does (header names in
 * lower case, query-string values percent-encoded as the viewer sent them).
 */
import * as vm from 'node:vm';

/** A query-string parameter of a CloudFront Functions event. */
export interface EventQueryParameter {
  value: string;
  multiValue?: { value: string }[];
}

/** A CloudFront Functions viewer-request event (version 1.0). */
export interface ViewerRequestEvent {
  version: '1.0';
  context: { distributionDomainName: string; distributionId: string; eventType: 'viewer-request'; requestId: string };
  viewer: { ip: string };
  request: {
    method: string;
    uri: string;
    querystring: { [name: string]: EventQueryParameter };
    headers: { [name: string]: { value: string; multiValue?: { value: string }[] } };
    cookies: { [name: string]: { value: string } };
  };
}

/** What a viewer-request function returns: the request to pass on, or a response for the viewer. */
export type ViewerRequestResult =
  | { kind: 'request'; request: ViewerRequestEvent['request'] }
  | { kind: 'response'; response: { statusCode: number; statusDescription?: string; headers?: Record<string, { value: string }> } };

/** A loaded function: event in, its result as plain JSON data (as CloudFront serialises it). */
export type CloudFrontFunction = (event: ViewerRequestEvent) => ViewerRequestResult;

/** The global objects of ES 5.1, which CloudFront's runtime 2.0 documents (with more that the code must not need). */
export const ES51_GLOBALS: readonly string[] = [
  'Object', 'Function', 'Array', 'String', 'Boolean', 'Number', 'Math', 'Date', 'RegExp', 'JSON',
  'Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError',
  'NaN', 'Infinity', 'undefined', 'isNaN', 'isFinite', 'parseInt', 'parseFloat',
  'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent',
];

/** Loads function code as CloudFront does: one script, a top-level `function handler(event)`. */
export function loadCloudFrontFunction(code: string): CloudFrontFunction {
  const context = vm.createContext({});
  vm.runInContext(`(function (g, keep) {
    Object.getOwnPropertyNames(g).forEach(function (name) { if (keep.indexOf(name) < 0) delete g[name]; });
  })(this, ${JSON.stringify(ES51_GLOBALS)});`, context);
  vm.runInContext(code, context, { filename: 'cloudfront-function.js' });
  const handler: unknown = vm.runInContext('typeof handler === "function" ? handler : undefined', context);
  if (typeof handler !== 'function') throw new Error('the code defines no top-level function handler(event)');
  return (event) => {
    const result = JSON.parse(JSON.stringify(handler(JSON.parse(JSON.stringify(event)))));
    return typeof result?.statusCode === 'number' ? { kind: 'response', response: result } : { kind: 'request', request: result };
  };
}

/** What a viewer-request event carries besides its target. */
export interface ViewerRequestOptions {
  /** The HTTP method (default GET). */
  readonly method?: string;
  /** Request headers (names in any case; CloudFront lower-cases them). */
  readonly headers?: Record<string, string>;
  /** The viewer's IP address (default 127.0.0.1). */
  readonly ip?: string;
}

/** The viewer-request event CloudFront builds for `target` (a path with an optional raw query, as sent). */
export function viewerRequestEvent(target: string, options: ViewerRequestOptions = {}): ViewerRequestEvent {
  const at = target.indexOf('?');
  const uri = at < 0 ? target : target.slice(0, at);
  const querystring: ViewerRequestEvent['request']['querystring'] = {};
  for (const part of at < 0 ? [] : target.slice(at + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    const existing = querystring[name];
    if (!existing) querystring[name] = { value };
    else existing.multiValue = [...(existing.multiValue ?? [{ value: existing.value }]), { value }];
  }
  const headers: ViewerRequestEvent['request']['headers'] = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = { value };
  return {
    version: '1.0',
    context: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'test' },
    viewer: { ip: options.ip ?? '127.0.0.1' },
    request: { method: options.method ?? 'GET', uri, querystring, headers, cookies: {} },
  };
}
