export * from './props';
export * from './mirror-origin';
export * from './mirror-origin-distribution';
export * from './jobs/props';
export * from './jobs/mirror-jobs';
export * from './metrics/dashboard';
