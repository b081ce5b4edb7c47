/** The CloudFront Functions stand-in moved to `local/`; this re-export keeps test/variant/construct.test.ts (rewritten on another branch) compiling until it imports from there. */
export * from '../../local/cloudfront-function';
