/**
 * Helpers for the construct's template tests: a stack with one `MirrorOriginDistribution`, and a jest
 * snapshot serializer that blanks asset hashes so a snapshot changes only when the template really does.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MirrorOriginDistribution, MirrorOriginDistributionProps } from '../../src';

/** What `mirrorStack` builds. */
export interface MirrorStack {
  readonly app: App;
  readonly stack: Stack;
  readonly mirror: MirrorOriginDistribution;
  readonly template: Template;
}

/** Props for a test mirror (endpoint defaults to https://example.com), or a function of the stack that returns them. */
export type TestProps = Partial<MirrorOriginDistributionProps> | ((stack: Stack) => Partial<MirrorOriginDistributionProps>);

/** An env-agnostic stack "Stack" with `new MirrorOriginDistribution(stack, 'Mirror', props)`, synthesized. */
export function mirrorStack(props: TestProps = {}): MirrorStack {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const mirror = new MirrorOriginDistribution(stack, 'Mirror', {
    endpoint: 'https://example.com',
    ...(typeof props === 'function' ? props(stack) : props),
  });
  return { app, stack, mirror, template: Template.fromStack(stack) };
}

/** The one resource of `type` in `template`: its logical id and body. */
export function onlyResource(template: Template, type: string): { id: string; resource: any } {
  const found = Object.entries(template.findResources(type));
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  const [id, resource] = found[0];
  return { id, resource };
}

const ASSET_HASH = /[0-9a-f]{64}/g;

/** Jest snapshot serializer: every 64-hex asset hash (S3Key values, asset paths) becomes `[ASSET HASH]`. */
export const assetHashSerializer: jest.SnapshotSerializerPlugin = {
  test: (value: unknown) => typeof value === 'string' && new RegExp(ASSET_HASH.source).test(value),
  serialize: (value: string, config, indentation, depth, refs, printer) =>
    printer(value.replace(ASSET_HASH, '[ASSET HASH]'), config, indentation, depth, refs),
};
