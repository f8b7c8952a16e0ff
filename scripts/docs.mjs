// The API reference (npm run docs): API Extractor reads the declarations tsc wrote into dist/, once per
// package entry with types (lenet5, lenet5/node, lenet5/onnx), and API Documenter turns the three doc models
// into markdown in docs/api/ (committed, so it reads on any git host). Needs `npm run build` first.
//   node scripts/docs.mjs            writes docs/api/
//   node scripts/docs.mjs <dir>      writes <dir> instead (test/docs.test.ts compares it with docs/api/)
//
// The doc models are adjusted before API Documenter reads them, because API Extractor knows one entry per
// package: each entry becomes a package of its own (lenet5, lenet5-node, lenet5-onnx; file names cannot
// hold a slash), lenet5/node keeps only what it adds to lenet5 (it re-exports all of lenet5), and every page
// then says which entry its name is imported from. test/docs.test.ts uses extract() for its checks: every
// public export and member has a doc comment, no TSDoc errors, every @example type-checks.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The package entries with types: the import specifier, its declaration file, its package name in the docs. */
export const ENTRIES = [
  { entry: 'lenet5', dts: 'dist/index.d.ts', name: 'lenet5' },
  { entry: 'lenet5/node', dts: 'dist/index.node.d.ts', name: 'lenet5-node' },
  { entry: 'lenet5/onnx', dts: 'dist/onnx.d.ts', name: 'lenet5-onnx' },
];

/**
 * Runs API Extractor on each entry, writing `<name>.api.json` (the doc model) and the API report (only
 * made so that undocumented items are reported) into `workDir`. Returns the doc models' paths and every
 * message, each once (lenet5/node repeats those of lenet5).
 */
export function extract(workDir) {
  const { Extractor, ExtractorConfig } = require('@microsoft/api-extractor');
  const configPath = join(root, 'docs/api-extractor/api-extractor.json');
  mkdirSync(workDir, { recursive: true });
  const messages = new Map();
  const models = [];
  for (const { entry, dts, name } of ENTRIES) {
    const configObject = ExtractorConfig.loadFile(configPath);
    configObject.mainEntryPointFilePath = join(root, dts);
    configObject.apiReport = { ...configObject.apiReport, reportFileName: name, reportFolder: workDir, reportTempFolder: join(workDir, 'temp') };
    configObject.docModel = { ...configObject.docModel, apiJsonFilePath: join(workDir, `${name}.api.json`) };
    const config = ExtractorConfig.prepare({ configObject, configObjectFullPath: configPath, packageJsonFullPath: join(root, 'package.json') });
    const result = Extractor.invoke(config, {
      localBuild: true,
      messageCallback(m) {
        m.handled = true;
        if (m.logLevel === 'none' || m.category === 'console') return;
        const file = m.sourceFilePath ? m.sourceFilePath.slice(root.length + 1) : '';
        const where = file ? `${file}:${m.sourceFileLine}:${m.sourceFileColumn}` : '';
        const key = `${m.messageId} ${where} ${m.text}`;
        if (!messages.has(key)) messages.set(key, { entry, id: m.messageId, category: m.category, where, text: m.text });
      },
    });
    if (!result.succeeded && result.errorCount > 0) throw new Error(`api-extractor failed on ${dts}: ${result.errorCount} errors`);
    models.push({ entry, name, apiJson: join(workDir, `${name}.api.json`) });
  }
  return { models, messages: [...messages.values()] };
}

/** The exported name a canonical reference such as `lenet5!LeNet5#fit:member(1)` belongs to (`LeNet5`). */
function topName(ref) {
  const m = /^[^!]*!~?([A-Za-z0-9_$]+)/.exec(ref);
  return m ? m[1] : undefined;
}

/**
 * Rewrites the canonical references of another entry's model: `lenet5!X...` to `<pkg>!X...` when X is one
 * of its own exports (`own`), and `lenet5!~X...` (a name that entry does not export) to `lenet5!X...` when
 * lenet5 exports X, so that its pages link to lenet5's.
 */
function renameRefs(node, own, core, pkg) {
  if (Array.isArray(node)) return node.forEach((n) => renameRefs(n, own, core, pkg));
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) {
    if (k !== 'canonicalReference' || typeof v !== 'string') renameRefs(v, own, core, pkg);
    else if (v.startsWith('lenet5!~') && core.has(topName(v))) node[k] = 'lenet5!' + v.slice('lenet5!~'.length);
    else if (v.startsWith('lenet5!') && own.has(topName(v))) node[k] = pkg + v.slice('lenet5'.length);
  }
}

/**
 * Turns the doc models in `workDir` (from extract) into the markdown reference in `outDir` (emptied first).
 */
export function generate(workDir, outDir) {
  const modelDir = join(workDir, 'model');
  rmSync(modelDir, { recursive: true, force: true });
  mkdirSync(modelDir, { recursive: true });
  const read = (name) => JSON.parse(readFileSync(join(workDir, `${name}.api.json`), 'utf8'));
  const core = read('lenet5');
  // An export of lenet5/node is lenet5's own when it has the same name and declaration file; loadMnist,
  // loadFashionMnist and loadDigits are not: lenet5/node shadows them with Node versions.
  const key = (m) => `${m.name} ${m.fileUrlPath}`;
  const coreKeys = new Set(core.members[0].members.map(key));
  const coreNames = new Set(core.members[0].members.map((m) => m.name));
  const shadowed = new Set();
  /** For each page: the entry its export is imported from. */
  const entryOf = new Map();
  for (const { entry, name } of ENTRIES) {
    const model = name === 'lenet5' ? core : read(name);
    const point = model.members[0];
    if (name !== 'lenet5') {
      point.members = point.members.filter((m) => !coreKeys.has(key(m)));
      const own = new Set(point.members.map((m) => m.name));
      if (name === 'lenet5-node') for (const n of own) shadowed.add(n);
      renameRefs(model, own, coreNames, name);
      model.name = name;
      model.canonicalReference = `${name}!`;
    }
    for (const m of point.members) entryOf.set(`${name}.${m.name.toLowerCase()}`, entry);
    writeFileSync(join(modelDir, `${name}.api.json`), JSON.stringify(model, null, 2));
  }
  rmSync(outDir, { recursive: true, force: true });
  const bin = join(root, 'node_modules/@microsoft/api-documenter/bin/api-documenter');
  execFileSync(process.execPath, [bin, 'markdown', '-i', modelDir, '-o', outDir], { cwd: root, stdio: 'pipe' });

  const display = new Map(ENTRIES.map(({ entry, name }) => [name, entry]));
  for (const file of readdirSync(outDir)) {
    if (!file.endsWith('.md')) continue;
    let text = readFileSync(join(outDir, file), 'utf8').replaceAll('\r\n', '\n');
    // Entries by their import specifiers, not their file-name stand-ins.
    for (const [name, entry] of display) {
      if (name === entry) continue;
      text = text.replaceAll(`[${name}](`, `[${entry}](`).replace(`## ${name} package`, `## ${entry} package`);
    }
    text = text.replace(/^## (lenet5(?:\/\w+)?) package$/m, '## `$1` entry point');
    if (file === 'index.md') {
      text = text.replace('## API Reference\n', [
        '## API Reference',
        '',
        'The reference of the three entry points of the `lenet5` package with types, generated from the doc comments of its',
        'sources by `npm run docs`. `lenet5` runs in every environment; `lenet5/node` is `lenet5` plus Node-only I/O (in Node,',
        '`lenet5` resolves to it too); `lenet5/onnx` is ONNX export and import.',
        '',
      ].join('\n'));
      text = text.replace('## Packages\n', '## Entry points\n').replace('<th>\n\nPackage\n', '<th>\n\nEntry point\n');
    } else {
      // The page of an export or one of its members: `lenet5-node.loadmnist.md`, `lenet5.lenet5.fit.md`.
      const entry = entryOf.get(file.split('.').slice(0, 2).join('.').replace(/_\d+$/, ''));
      if (entry) {
        const exportName = text.match(/^\[Home\]\(\.\/index\.md\) &gt; \[[^\]]+\]\([^)]+\) &gt; \[([^\]]+)\]/m)?.[1];
        const where = entry === 'lenet5'
          ? shadowed.has(exportName)
            ? `\`import { ${exportName} } from 'lenet5'\` in browsers and bundlers (in Node, \`lenet5\` and \`lenet5/node\` export [the Node version](./lenet5-node.${exportName.toLowerCase()}.md))`
            : `\`import { ${exportName} } from 'lenet5'\` (also exported by \`lenet5/node\`)`
          : entry === 'lenet5/node'
            ? `\`import { ${exportName} } from 'lenet5/node'\` (in Node, also from \`lenet5\`)`
            : `\`import { ${exportName} } from '${entry}'\``;
        text = text.replace(/^(## .*\n)/m, `$1\n**Import:** ${where}\n`);
      }
    }
    writeFileSync(join(outDir, file), text);
  }
  return readdirSync(outDir).filter((f) => f.endsWith('.md')).length;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? join(root, 'docs/api'));
  const workDir = join(root, '.cache/api');
  const { messages } = extract(workDir);
  const pages = generate(workDir, outDir);
  for (const m of messages) console.warn(`${m.where ? m.where + ' - ' : ''}(${m.id}) ${m.text}`);
  console.log(`${pages} pages in ${outDir.slice(root.length + 1) || outDir}${messages.length ? `; ${messages.length} messages above (npm test fails on them)` : ''}`);
}
