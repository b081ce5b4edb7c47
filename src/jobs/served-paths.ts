/**
 * Which viewer paths a mirror serves in a distribution, as CloudFront decides it: the first behaviour whose path
 * pattern matches the path (in the distribution's order), else the default behaviour. A bucket shared through
 * `addMirror` holds every mirror's keys; a job walking its listing touches only the keys its own mirror serves. Pure.
 */
import type { ServedRoutes } from './config';

/**
 * Whether CloudFront's path pattern matches `path` (`*` any run of characters, `/` included; `?` exactly one;
 * case-sensitive; a pattern without its leading `/` means the same as with it).
 */
export function pathPatternMatches(pattern: string, path: string): boolean {
  const normalised = pattern.startsWith('/') ? pattern : `/${pattern}`;
  const source = normalised.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's').test(path);
}

/** Whether a distribution's `routes` send the viewer path `path` (percent-encoded, leading `/`) to this mirror. */
export function routesServe(routes: ServedRoutes, path: string): boolean {
  const first = routes.patterns.find((p) => pathPatternMatches(p.pattern, path));
  return first ? first.mine : routes.defaultMine;
}

/** Whether any of the distributions the mirror is bound to serves `path` from it. */
export function servesPath(served: readonly ServedRoutes[], path: string): boolean {
  return served.some((routes) => routesServe(routes, path));
}
