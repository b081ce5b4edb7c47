/**
 * Evaluates the CloudFormation intrinsic functions a synthesized template uses
 * for the values the local stack reads (environment variables, origin domain
 * names), with local stand-ins for the deploy-time values.
 */

/** Answers `Ref` and `Fn::GetAtt` for the resources and pseudo parameters of the template. */
export type ReferenceResolver = (logicalId: string, attribute?: string) => string | undefined;

/** The pseudo parameters of the local "account" and "region". */
export const LOCAL_PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::AccountId': '123456789012',
  'AWS::Region': 'us-east-1',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::NoValue': '',
  'AWS::StackName': 'local',
  'AWS::StackId': 'arn:aws:cloudformation:us-east-1:123456789012:stack/local/00000000-0000-0000-0000-000000000000',
};

/** Resolves `value` to a string, or throws naming `where` and what could not be resolved. */
export function resolveString(value: unknown, resolve: ReferenceResolver, where: string): string {
  const resolved = resolveValue(value, resolve, where);
  if (typeof resolved === 'string') return resolved;
  if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
  throw new Error(`${where}: expected a string, got ${JSON.stringify(resolved)}`);
}

/** Resolves every intrinsic function in `value` (strings, numbers, arrays and objects pass through). */
export function resolveValue(value: unknown, resolve: ReferenceResolver, where: string): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item, i) => resolveValue(item, resolve, `${where}[${i}]`));
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length !== 1 || !(entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::'))) {
    return Object.fromEntries(entries.map(([key, item]) => [key, resolveValue(item, resolve, `${where}.${key}`)]));
  }
  const [fn, args] = entries[0];
  const fail = (why: string): never => {
    throw new Error(`${where}: cannot resolve ${JSON.stringify(value)} locally (${why})`);
  };
  switch (fn) {
    case 'Ref': {
      const name = String(args);
      return LOCAL_PSEUDO_PARAMETERS[name] ?? resolve(name) ?? fail(`no local value for Ref ${name}`);
    }
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(args) ? args.map(String) : String(args).split(/\.(.*)/s);
      return resolve(logicalId, attribute) ?? fail(`no local value for ${logicalId}.${attribute}`);
    }
    case 'Fn::Join': {
      const [delimiter, items] = args as [string, unknown[]];
      const list = resolveValue(items, resolve, where);
      if (!Array.isArray(list)) return fail('Fn::Join needs a list');
      return list.map((item) => resolveString(item, resolve, where)).join(delimiter);
    }
    case 'Fn::Split': {
      const [delimiter, source] = args as [string, unknown];
      return resolveString(source, resolve, where).split(delimiter);
    }
    case 'Fn::Select': {
      const [index, list] = args as [unknown, unknown];
      const items = resolveValue(list, resolve, where);
      const i = Number(resolveValue(index, resolve, where));
      if (!Array.isArray(items) || !(i >= 0 && i < items.length)) return fail('Fn::Select index out of range');
      return items[i];
    }
    case 'Fn::Sub': {
      const [text, variables] = (Array.isArray(args) ? args : [args, {}]) as [string, Record<string, unknown>];
      return text.replace(/\$\{([^}!][^}]*)\}/g, (_match, name: string) => {
        if (variables && name in variables) return resolveString(variables[name], resolve, where);
        const [logicalId, attribute] = name.split(/\.(.*)/s);
        const local = attribute === undefined ? (LOCAL_PSEUDO_PARAMETERS[logicalId] ?? resolve(logicalId)) : resolve(logicalId, attribute);
        return local ?? fail(`no local value for \${${name}}`);
      });
    }
    default:
      return fail(`${fn} is not supported by the local stack`);
  }
}
