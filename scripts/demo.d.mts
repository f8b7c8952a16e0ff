/** Types of scripts/demo.mjs for the TypeScript tests that import its build and server functions. */
import type { Server } from 'node:http';

export declare const MIME: Record<string, string>;
export declare const HEADERS: Record<string, string>;
export declare function buildDemo(options?: { outDir?: string; minify?: boolean }): Promise<{ outDir: string; files: Record<string, number> }>;
export declare function serveDir(dir: string, options?: { port?: number; host?: string; isolate?: boolean }): Promise<{ server: Server; url: string }>;
