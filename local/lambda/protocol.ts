/** What the local runtime client (child) and the local Runtime API (parent) agree on. */

/** Written to stdout after each invocation, so the parent knows which log lines belong to it. */
export const INVOCATION_END_MARKER = '\u0000mirror-local:invocation-end';

/** The Runtime API's path prefix. */
export const RUNTIME_API_BASE = '/2018-06-01/runtime';
