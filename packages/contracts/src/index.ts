export * from './auth.ts';
export * from './errors.ts';
export * from './nik.ts';
export * from './problem.ts';
export * from './queues.ts';
export * from './regions.ts';
export * from './registration.ts';
