/**
 * The CloudFront Function (viewer request, `cloudfront-js-2.0`) that folds the listed query-string
 * parameters into the request URI before the cache and the origins see it. Bundled on its own by esbuild
 * into an IIFE; `function-code.ts` adds the parameter list and the top-level `handler` CloudFront calls.
 */
import { canonicalQuery, QueryPair, uriHoldsSeparator, variantUri } from './rules';

/** A query-string parameter in a CloudFront Functions event (values as the viewer sent them, percent-encoded). */
export interface FunctionQueryParameter {
  /** The value (the first one when the parameter is repeated). */
  readonly value: string;
  /** Every value, in order, when the parameter is repeated. */
  readonly multiValue?: readonly { readonly value: string }[];
}

/** The request of a CloudFront Functions event: only the fields this function reads or writes are typed. */
export interface FunctionRequest {
  /** The path, percent-encoded as the viewer sent it. */
  uri: string;
  /** The query string, by parameter name. */
  querystring: { [name: string]: FunctionQueryParameter };
  /** Method, headers, cookies: passed through untouched. */
  readonly [field: string]: unknown;
}

/** A CloudFront Functions viewer-request event. */
export interface FunctionEvent {
  /** The viewer's request. */
  readonly request: FunctionRequest;
}

/** A response the function sends instead of passing the request on. */
export interface FunctionResponse {
  /** The HTTP status. */
  readonly statusCode: number;
  /** The reason phrase. */
  readonly statusDescription: string;
  /** Response headers, by lower-case name. */
  readonly headers: { readonly [name: string]: { readonly value: string } };
}

/**
 * The request with its URI folded into the variant's (or left plain), its query string removed; or 400
 * when the path already holds the separator or the listed parameters cannot make a canonical query.
 */
export function viewerRequest(event: FunctionEvent, listed: readonly string[]): FunctionRequest | FunctionResponse {
  const request = event.request;
  if (uriHoldsSeparator(request.uri)) return badRequest();
  const canonical = canonicalQuery(queryPairs(request.querystring), listed);
  if (!canonical.ok) return badRequest();
  // Nothing beyond the listed parameters is part of the mirror; the root stays the default root object.
  request.querystring = {};
  if (request.uri !== '/') request.uri = variantUri(request.uri, canonical.query);
  return request;
}

/** Every parameter of CloudFront's query-string object, repeated ones once per value. */
function queryPairs(querystring: FunctionRequest['querystring'] | undefined): QueryPair[] {
  const pairs: QueryPair[] = [];
  const parameters = querystring || {};
  const names = Object.keys(parameters);
  for (let n = 0; n < names.length; n++) {
    const name = names[n];
    const parameter = parameters[name];
    const values = parameter.multiValue;
    if (values && values.length > 0) {
      for (let i = 0; i < values.length; i++) pairs.push({ name: name, value: values[i].value });
    } else {
      pairs.push({ name: name, value: parameter.value });
    }
  }
  return pairs;
}

function badRequest(): FunctionResponse {
  return { statusCode: 400, statusDescription: 'Bad Request', headers: { 'cache-control': { value: 'no-store' } } };
}
