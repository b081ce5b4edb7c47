/**
 * CloudFront's path patterns: which cache behaviour a viewer request goes to.
 * The behaviours are tried in the order they are listed, the default behaviour
 * (`*`) last; the first whose pattern matches the whole path wins. A pattern
 * is case-sensitive, `*` matches any run of characters (`/` included), `?`
 * exactly one, everything else itself; a leading `/` makes no difference.
 * The path is the one the viewer sent, without its query string.
 */

/** Whether `pattern` (a `PathPattern` of the template) matches the request path `path`. */
export function pathPatternMatches(pattern: string, path: string): boolean {
  return patternRegExp(pattern).test(path.replace(/^\//, ''));
}

/** The first of `behaviors` (in CloudFront's order, the default last) whose pattern matches `path`; undefined if none does. */
export function selectBehavior<B extends { readonly pathPattern: string }>(behaviors: readonly B[], path: string): B | undefined {
  return behaviors.find((behavior) => pathPatternMatches(behavior.pathPattern, path));
}

const compiled = new Map<string, RegExp>();

function patternRegExp(pattern: string): RegExp {
  let regExp = compiled.get(pattern);
  if (!regExp) {
    const body = [...pattern.replace(/^\//, '')].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('');
    // `s` and `u`: `.` matches any one character of a path, line breaks and astral characters included.
    regExp = new RegExp(`^${body}$`, 'su');
    compiled.set(pattern, regExp);
  }
  return regExp;
}
