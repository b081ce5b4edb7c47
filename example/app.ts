// The smallest app that uses the construct, checked by cdk-nag: `npx cdk synth` here needs no AWS credentials.
import { App, CfnOutput, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MirrorOriginDistribution } from '../src';

const app = new App();
// No account or region: the template synthesizes anywhere and deploys to whatever the CLI is pointed at.
const stack = new Stack(app, 'MirrorOriginExample', {
  description: 'cdk-mirror-origin example: a CloudFront mirror of https://old.example.com/assets',
});

const mirror = new MirrorOriginDistribution(stack, 'Mirror', {
  endpoint: 'https://old.example.com/assets',
});

new CfnOutput(stack, 'DistributionDomainName', { value: mirror.distribution.distributionDomainName });
new CfnOutput(stack, 'BucketName', { value: mirror.bucket.bucketName });

// Synth fails on any cdk-nag finding the construct does not acknowledge with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
