export * from './mirror-origin-distribution';
