// Types of build.mjs (plain JavaScript: `npm start` runs it before any TypeScript loader exists).
/** Compiles one TypeScript file to `to`, unless `to` is already newer; true when it compiled. */
export function transpile(from: string, to: string): boolean;
/** Compiles every workspace's src/ to dist/; how many files were compiled and how many were up to date. */
export function build(): { compiled: number; fresh: number };
