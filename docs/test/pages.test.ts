// The documentation pages (docs/*.md) are checked like code: every example a page embeds must be
// a verbatim copy of an example that examples.test.ts runs, every relative link must lead to a
// file (and heading) that exists, and the index must link every page.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const repoRoot = join(__dirname, '..', '..');
const docsDir = join(repoRoot, 'docs');

/** The pages the documentation must have besides its index, docs/README.md. */
const requiredPages = [
  'getting-started.md',
  'processes.md',
  'shared-memory.md',
  'synchronization.md',
  'shared-values.md',
  'connections.md',
  'pool.md',
  'performance.md',
];

const pageNames = existsSync(docsDir)
  ? readdirSync(docsDir)
      .filter((name) => name.endsWith('.md'))
      .sort()
  : [];

/**
 * The examples examples.test.ts runs, as repository paths (`examples/process/hello.ts`): the
 * files it passes to `run()`/`runTimed()` and the ones it spawns with `join(__dirname, '..', …)`.
 */
function examplesRunByTheExamplesTest(): Set<string> {
  const source = readFileSync(join(__dirname, 'examples.test.ts'), 'utf8');
  const files = [
    ...source.matchAll(/\brun(?:Timed)?\(\s*'([^']+\.ts)'/g),
    ...source.matchAll(/\bjoin\(__dirname, '\.\.', '([^']+\.ts)'\)/g),
  ].map((match) => `examples/${match[1] ?? ''}`);
  return new Set(files);
}

const ranExamples = examplesRunByTheExamplesTest();

// ---------------------------------------------------------------------------------------------
// A small Markdown reader: fenced code blocks, headings, example markers and links.

interface Fence {
  /** 0-based line of the opening fence. */
  start: number;
  /** 0-based line of the closing fence (`lines.length` when it is never closed). */
  end: number;
  /** The info string's first word: `ts`, `sh` … */
  lang: string;
  /** The lines between the fences, with the opening fence's indentation removed. */
  body: string[];
}

interface Page {
  name: string;
  path: string;
  lines: string[];
  fences: Fence[];
  /** For each line, whether it belongs to a fenced code block (fences included). */
  inCode: boolean[];
}

function readMarkdown(path: string, name: string): Page {
  const lines = readFileSync(path, 'utf8').split('\n');
  const fences: Fence[] = [];
  const inCode = lines.map(() => false);
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const indent = (open[1] ?? '').length;
    const marker = open[2] ?? '';
    let end = i + 1;
    while (end < lines.length) {
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(lines[end] ?? '');
      const fence = close?.[1] ?? '';
      if (fence[0] === marker[0] && fence.length >= marker.length) break;
      end++;
    }
    const body = lines
      .slice(i + 1, end)
      .map((line) => line.replace(new RegExp(`^ {0,${indent}}`), ''));
    fences.push({ start: i, end, lang: open[3] ?? '', body });
    for (let j = i; j <= end && j < lines.length; j++) inCode[j] = true;
    i = end;
  }
  return { name, path, lines, fences, inCode };
}

const pages = pageNames.map((name) => readMarkdown(join(docsDir, name), name));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, `-1` … for repeats. */
function anchorsOf(page: Page): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  page.lines.forEach((line, i) => {
    if (page.inCode[i]) return;
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) return;
    const text = (heading[1] ?? '').replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  });
  return anchors;
}

interface Embed {
  page: Page;
  /** 0-based line of the marker. */
  line: number;
  /** The marker's path, relative to the repository root. */
  target: string;
}

const kMarker = /^<!-- example: (\S+) -->$/;

function embedsOf(page: Page): Embed[] {
  const embeds: Embed[] = [];
  page.lines.forEach((line, i) => {
    const marker = kMarker.exec(line);
    if (marker && !page.inCode[i]) embeds.push({ page, line: i, target: marker[1] ?? '' });
  });
  return embeds;
}

/** The fenced code block right after a marker (blank lines between them allowed). */
function fenceAfter(page: Page, line: number): Fence | undefined {
  let next = line + 1;
  while (next < page.lines.length && (page.lines[next] ?? '').trim() === '') next++;
  return page.fences.find((fence) => fence.start === next);
}

/** Where `code` sits in `file`: the whole file, a run of whole consecutive lines, or nowhere. */
function placeOf(code: string, file: string): 'the whole file' | 'a contiguous part' | undefined {
  if (code === file || `${code}\n` === file) return 'the whole file';
  const codeLines = code.split('\n');
  const fileLines = file.split('\n');
  for (let k = 0; k + codeLines.length <= fileLines.length; k++) {
    if (codeLines.every((line, j) => fileLines[k + j] === line)) return 'a contiguous part';
  }
  return undefined;
}

/** For a failure message: how far the block matches the file, and the first line that differs. */
function firstDifference(code: string, file: string): string {
  const codeLines = code.split('\n');
  const fileLines = file.split('\n');
  let best = { at: -1, length: 0 };
  fileLines.forEach((_, k) => {
    let length = 0;
    while (length < codeLines.length && fileLines[k + length] === codeLines[length]) length++;
    if (length > best.length) best = { at: k, length };
  });
  if (best.length === 0) {
    return `its first line ${JSON.stringify(codeLines[0])} is not a line of the file`;
  }
  return (
    `its lines 1-${best.length} match the file's lines ${best.at + 1}-${best.at + best.length}, ` +
    `then block line ${best.length + 1} is ${JSON.stringify(codeLines[best.length])} where the ` +
    `file has ${JSON.stringify(fileLines[best.at + best.length])}`
  );
}

/** Everything wrong with one embedded example; empty when it is a faithful copy. */
function embedProblems(embed: Embed): string[] {
  const where = `docs/${embed.page.name}:${embed.line + 1} <!-- example: ${embed.target} -->`;
  const problems: string[] = [];
  if (!ranExamples.has(embed.target)) {
    problems.push(
      `${where}: ${embed.target} is not one of the examples examples.test.ts runs ` +
        `(${[...ranExamples].sort().join(', ')})`,
    );
  }
  const file = join(repoRoot, embed.target);
  if (!existsSync(file) || !statSync(file).isFile()) {
    problems.push(`${where}: ${embed.target} does not exist`);
    return problems;
  }
  const fence = fenceAfter(embed.page, embed.line);
  if (!fence) {
    problems.push(`${where}: the marker is not followed by a fenced code block`);
    return problems;
  }
  if (fence.lang !== 'ts') {
    problems.push(`${where}: the code block is marked \`${fence.lang}\`, not \`ts\``);
  }
  if (fence.end >= embed.page.lines.length) {
    problems.push(`${where}: the code block is never closed`);
  }
  const code = fence.body.join('\n');
  const source = readFileSync(file, 'utf8');
  if (code.trim() === '') {
    problems.push(`${where}: the code block is empty`);
  } else if (placeOf(code, source) === undefined) {
    problems.push(
      `${where}: the code block is neither the whole of ${embed.target} nor a contiguous part ` +
        `of it (whole lines, in order); ${firstDifference(code, source)}`,
    );
  }
  return problems;
}

/** Lines that look like an example marker but are not one, so that no typo goes unchecked. */
function malformedMarkers(page: Page): string[] {
  const problems: string[] = [];
  page.lines.forEach((line, i) => {
    if (page.inCode[i] || !line.includes('<!-- example')) return;
    if (!kMarker.test(line)) {
      problems.push(
        `docs/${page.name}:${i + 1}: ${JSON.stringify(line)} is not of the form <!-- example: PATH -->`,
      );
    }
  });
  return problems;
}

/** The section under the level-2 heading `title`: its line range, or undefined. */
function section(page: Page, title: string): { from: number; to: number } | undefined {
  const from = page.lines.findIndex((line, i) => !page.inCode[i] && line.trim() === `## ${title}`);
  if (from < 0) return undefined;
  let to = from + 1;
  while (to < page.lines.length && (page.inCode[to] || !/^#{1,2}\s/.test(page.lines[to] ?? ''))) {
    to++;
  }
  return { from, to };
}

interface Link {
  /** 1-based line. */
  line: number;
  target: string;
}

/** The links of a page outside code: inline links, images and reference definitions. */
function linksOf(page: Page): Link[] {
  const links: Link[] = [];
  page.lines.forEach((raw, i) => {
    if (page.inCode[i]) return;
    const line = raw.replace(/<!--.*?-->/g, '').replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, '');
    for (const match of line.matchAll(
      /!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*<?([^\s)>]+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g,
    )) {
      links.push({ line: i + 1, target: match[1] ?? '' });
    }
    const definition = /^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/.exec(line);
    if (definition) links.push({ line: i + 1, target: definition[1] ?? '' });
  });
  return links;
}

const isExternal = (target: string): boolean =>
  /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

/** The file a relative link leads to, and its anchor. */
function resolveLink(page: Page, target: string): { file: string; anchor: string | undefined } {
  const hash = target.indexOf('#');
  const path = hash < 0 ? target : target.slice(0, hash);
  const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const file = path === '' ? page.path : resolve(dirname(page.path), decodeURIComponent(path));
  return { file, anchor };
}

/** Everything wrong with a page's relative links; empty when each leads where it says. */
function linkProblems(page: Page): string[] {
  const problems: string[] = [];
  for (const { line, target } of linksOf(page)) {
    if (isExternal(target)) continue;
    const where = `docs/${page.name}:${line} (${target})`;
    const { file, anchor } = resolveLink(page, target);
    const inRepo = relative(repoRoot, file);
    if (inRepo.startsWith('..')) {
      problems.push(`${where}: leads out of the repository`);
      continue;
    }
    if (!existsSync(file) || !statSync(file).isFile()) {
      problems.push(`${where}: ${inRepo} is not a file`);
      continue;
    }
    if (anchor === undefined) continue;
    if (!file.endsWith('.md')) {
      problems.push(`${where}: an anchor into a file that is not Markdown`);
    } else if (!anchorsOf(readMarkdown(file, inRepo)).has(anchor)) {
      problems.push(`${where}: ${inRepo} has no heading with the anchor #${anchor}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------

describe('the documentation (docs/)', () => {
  it('has its index and every page of the table of contents', () => {
    expect(pageNames).toEqual(expect.arrayContaining(['README.md', ...requiredPages]));
  });

  it('links every page from the index, docs/README.md', () => {
    const index = pages.find((page) => page.name === 'README.md');
    expect(index).toBeDefined();
    const linked = new Set(
      linksOf(index as Page)
        .filter(({ target }) => !isExternal(target))
        .map(({ target }) => relative(docsDir, resolveLink(index as Page, target).file)),
    );
    const otherPages = [...new Set([...requiredPages, ...pageNames])].filter(
      (name) => name !== 'README.md',
    );
    expect(otherPages.filter((name) => !linked.has(name))).toEqual([]);
  });

  it('knows which examples examples.test.ts runs', () => {
    expect(ranExamples.size).toBeGreaterThan(0);
    expect([...ranExamples].filter((file) => !existsSync(join(repoRoot, file)))).toEqual([]);
  });
});

describe.each(pageNames)('docs/%s', (name) => {
  const page = pages.find((p) => p.name === name) as Page;
  const embeds = embedsOf(page);

  it('has a "Quick example" section whose TypeScript code blocks are all embedded examples', () => {
    const quick = section(page, 'Quick example');
    expect(quick).toBeDefined();
    const { from, to } = quick as { from: number; to: number };
    const blocks = page.fences.filter((fence) => fence.start > from && fence.start < to);
    expect(blocks.length).toBeGreaterThan(0);
    const unembedded = blocks
      .filter((fence) => /^(ts|typescript|tsx|js|javascript)$/.test(fence.lang))
      .filter((fence) => !embeds.some((embed) => fenceAfter(page, embed.line) === fence))
      .map((fence) => `docs/${name}:${fence.start + 1}: a \`${fence.lang}\` block with no marker`);
    expect(unembedded).toEqual([]);
  });

  it('writes every example marker as <!-- example: PATH -->', () => {
    expect(malformedMarkers(page)).toEqual([]);
  });

  it('has relative links that all lead to existing files (and headings)', () => {
    expect(linkProblems(page)).toEqual([]);
  });

  if (embeds.length > 0) {
    it.each(embeds.map((embed) => [embed.line + 1, embed.target, embed] as const))(
      'line %i embeds %s verbatim: the whole file or a contiguous part of it',
      (_line, _target, embed) => {
        expect(embedProblems(embed)).toEqual([]);
      },
    );
  }
});
