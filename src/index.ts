export * from './props';
export * from './mirror-origin';
export * from './mirror-origin-distribution';
export * from './metrics/dashboard';
