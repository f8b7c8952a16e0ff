/** Types of scripts/docs.mjs for test/docs.test.ts, which checks the doc comments and the reference with it. */

/** One message of API Extractor: an undocumented item, a TSDoc error, a compiler error. */
export interface DocsMessage {
  entry: string;
  id: string;
  category: string;
  where: string;
  text: string;
}

export declare const ENTRIES: ReadonlyArray<{ entry: string; dts: string; name: string }>;
export declare function extract(workDir: string): { models: Array<{ entry: string; name: string; apiJson: string }>; messages: DocsMessage[] };
export declare function generate(workDir: string, outDir: string): number;
