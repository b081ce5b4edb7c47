// Jest setup (tests only): the AWS SDK's notice that its releases after January 2027 need Node.js 22 is printed once
// per test file on Node 20, which this project supports; production code keeps it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
