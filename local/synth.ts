/**
 * Synthesizes, in this process, an app holding one stack built by `build`,
 * exactly as `cdk synth` would (assets staged into the output directory,
 * asset metadata on), and reads the mirror from it.
 */
import { App, Stack } from 'aws-cdk-lib';
import { CfnTemplate, MirrorSpec, readMirrorSpec } from './template';

/** Options of `synthesizeMirror`. */
export interface SynthesizeOptions {
  /** Where the cloud assembly is written (assets are staged there). */
  readonly outdir: string;
  /** Adds the construct under test to the stack. */
  readonly build: (stack: Stack) => void;
  /** @default 'LocalMirror' */
  readonly stackName?: string;
}

/** The synthesized stack and what the local stack reads from it. */
export interface SynthesizedMirror {
  /** The stack's template, as `cdk synth` writes it. */
  readonly template: CfnTemplate;
  /** Path of the template file in the cloud assembly. */
  readonly templateFile: string;
  /** The mirror as the local stack runs it. */
  readonly spec: MirrorSpec;
}

/** Synthesizes the stack and reads the mirror from its template. */
export function synthesizeMirror(options: SynthesizeOptions): SynthesizedMirror {
  // The CLI sets this context; without it the function does not name its staged asset.
  const app = new App({ outdir: options.outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, options.stackName ?? 'LocalMirror');
  options.build(stack);
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  const template = artifact.template as CfnTemplate;
  return { template, templateFile: artifact.templateFullPath, spec: readMirrorSpec(template, assembly.directory) };
}
