export * from './props';
export * from './mirror-origin-distribution';
