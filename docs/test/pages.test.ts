// The documentation pages (docs/*.md) are checked like code: every code sample a page shows is
// an included example file (`<<< @/../examples/…`) that a test in examples/test runs (the only
// other code blocks allowed are API signatures, marked `<!-- signature -->`), every region it
// names exists, the sidebar reaches every page and leads only to pages that exist, and every
// relative link leads to a file (and heading) that exists. VitePress renders a missing include
// as a line of text and a missing region as the whole file, so neither would fail its build.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { api, guide } from '../.vitepress/sidebar.js';

const docsDir = join(__dirname, '..');
const repoRoot = join(docsDir, '..');
const examplesDir = join(repoRoot, 'examples');

/** The pages whose "Quick example" must consist of included examples. */
const featurePages = [
  'introduction.md',
  'getting-started.md',
  'processes.md',
  'connections.md',
  'listeners-clients.md',
  'synchronization.md',
  'shared-memory.md',
  'shared-values.md',
  'pool.md',
  'queues.md',
  'managers.md',
];

const pageNames = readdirSync(docsDir)
  .filter((name) => name.endsWith('.md'))
  .sort();

/** Every example file a test in examples/test names as a string literal ('pool/map.ts'). */
function examplesNamedByTests(): Set<string> {
  const testDir = join(examplesDir, 'test');
  const named = new Set<string>();
  for (const file of readdirSync(testDir).filter((name) => name.endsWith('.ts'))) {
    const source = readFileSync(join(testDir, file), 'utf8');
    for (const match of source.matchAll(/'([\w./-]+\.ts)'/g)) named.add(match[1] ?? '');
  }
  return named;
}

const testedExamples = examplesNamedByTests();

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
    // api/ is written by TypeDoc at build time; the VitePress build fails on a dead link into it.
    if (isExternal(target) || target.startsWith('api/')) continue;
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

/** The example programs in examples/ (not the tests, helpers or the queues/managers folders). */
function examplePrograms(dir = examplesDir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return ['node_modules', 'test'].includes(entry.name) ? [] : examplePrograms(path);
    }
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.config.ts')
      ? [relative(examplesDir, path)]
      : [];
  });
}

interface Include {
  line: number;
  /** The file, relative to examples/ (`pool/map.ts`). */
  file: string;
  region: string | undefined;
}

/** The `<<< @/../examples/FILE[#region]` lines of a page. */
function includesOf(page: Page): Include[] {
  const includes: Include[] = [];
  page.lines.forEach((line, i) => {
    if (page.inCode[i] || !line.startsWith('<<<')) return;
    const match = /^<<< @\/\.\.\/examples\/([\w./-]+?)(?:#([\w-]+))?$/.exec(line.trim());
    includes.push({
      line: i + 1,
      file: match?.[1] ?? `(not of the form <<< @/../examples/FILE[#region]: ${line})`,
      region: match?.[2],
    });
  });
  return includes;
}

/** Everything wrong with one include; empty when it shows a tested example as intended. */
function includeProblems(page: Page, include: Include): string[] {
  const where = `docs/${page.name}:${include.line}`;
  const path = join(examplesDir, include.file);
  if (!existsSync(path) || !statSync(path).isFile())
    return [`${where}: examples/${include.file} is not a file`];
  const problems: string[] = [];
  if (!testedExamples.has(include.file)) {
    problems.push(`${where}: examples/${include.file} is not run by any test in examples/test`);
  }
  if (include.region !== undefined) {
    const lines = readFileSync(path, 'utf8')
      .split('\n')
      .map((line) => line.trim());
    const start = lines.indexOf(`// #region ${include.region}`);
    const end = lines.indexOf(`// #endregion ${include.region}`);
    if (start < 0 || end < start + 2) {
      problems.push(
        `${where}: examples/${include.file} has no non-empty region "${include.region}" ` +
          `(// #region ${include.region} … // #endregion ${include.region})`,
      );
    }
  }
  return problems;
}

const sidebarLinks = [...guide, ...api].flatMap((group) => group.items.map((item) => item.link));

/** The page file a sidebar link names (`/pool` → pool.md, `/api/` → api/index.md). */
const pageOfLink = (link: string): string =>
  link.endsWith('/') ? `${link.slice(1)}index.md` : `${link.slice(1)}.md`;

describe('the documentation site (docs/)', () => {
  it('has a home page and every page the sidebar names', () => {
    expect(pageNames).toContain('index.md');
    const missing = sidebarLinks
      .filter((link) => !link.startsWith('/api/'))
      .map(pageOfLink)
      .filter((name) => !pageNames.includes(name));
    expect(missing).toEqual([]);
  });

  it('reaches every page from the sidebar', () => {
    const reached = new Set(sidebarLinks.map(pageOfLink));
    expect(pageNames.filter((name) => name !== 'index.md' && !reached.has(name))).toEqual([]);
  });

  it('names the API reference page of every package TypeDoc documents', () => {
    const config = JSON.parse(readFileSync(join(docsDir, 'typedoc.json'), 'utf8')) as {
      entryPoints: string[];
    };
    const packages = config.entryPoints.map((entry) => {
      const manifest = join(docsDir, entry, '..', '..', 'package.json');
      return (JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name;
    });
    const apiPages = api.flatMap((group) => group.items.map((item) => item.link));
    expect(
      packages.map((name) => `/api/${name}`).filter((link) => !apiPages.includes(link)),
    ).toEqual([]);
  });

  it('knows which examples the tests run', () => {
    expect(testedExamples.size).toBeGreaterThan(0);
  });

  it('includes the last benchmark run around its chart line', () => {
    // performance.md includes lines 13-26 and 28- of bench/RESULTS.md and shows line 27, the
    // chart, itself (VitePress would resolve the chart's relative path against the page).
    const results = readFileSync(join(repoRoot, 'bench', 'RESULTS.md'), 'utf8').split('\n');
    expect(results[12]).toBe('## Machine');
    expect(results[26]).toMatch(/^!\[.*\]\(results\.svg\)$/);
    const page = readFileSync(join(docsDir, 'performance.md'), 'utf8');
    expect(page).toContain('<!--@include: ../bench/RESULTS.md{13,26}-->');
    expect(page).toContain('](../bench/results.svg)');
    expect(page).toContain('<!--@include: ../bench/RESULTS.md{28,}-->');
  });

  it('lists every example program in examples/README.md', () => {
    const readme = readFileSync(join(examplesDir, 'README.md'), 'utf8');
    expect(examplePrograms().filter((file) => !readme.includes(`\`${file}\``))).toEqual([]);
  });
});

describe.each(pageNames)('docs/%s', (name) => {
  const page = readMarkdown(join(docsDir, name), name);
  const includes = includesOf(page);

  if (featurePages.includes(name)) {
    it('has a "Quick example" section made of included examples only', () => {
      const quick = section(page, 'Quick example');
      expect(quick).toBeDefined();
      const { from, to } = quick as { from: number; to: number };
      expect(includes.filter((inc) => inc.line > from && inc.line <= to).length).toBeGreaterThan(0);
      const inline = page.fences
        .filter((fence) => fence.start > from && fence.start < to)
        .filter((fence) => /^(ts|typescript|tsx|js|javascript)$/.test(fence.lang))
        .map((fence) => `docs/${name}:${fence.start + 1}: an inline \`${fence.lang}\` block`);
      expect(inline).toEqual([]);
    });
  }

  it('shows code only by including examples, apart from blocks marked <!-- signature -->', () => {
    const unmarked = page.fences
      .filter((fence) => /^(ts|typescript|tsx|js|javascript)$/.test(fence.lang))
      .filter((fence) => {
        let before = fence.start - 1;
        while (before >= 0 && (page.lines[before] ?? '').trim() === '') before--;
        return (page.lines[before] ?? '').trim() !== '<!-- signature -->';
      })
      .map(
        (fence) => `docs/${name}:${fence.start + 1}: a \`${fence.lang}\` block that is no example`,
      );
    expect(unmarked).toEqual([]);
  });

  it('uses no old-style example markers', () => {
    expect(page.lines.filter((line) => line.includes('<!-- example'))).toEqual([]);
  });

  it('has relative links that all lead to existing files (and headings)', () => {
    expect(linkProblems(page)).toEqual([]);
  });

  if (includes.length > 0) {
    it.each(includes.map((inc) => [inc.line, inc.file, inc] as const))(
      'line %i includes examples/%s, a tested example',
      (_line, _file, inc) => {
        expect(includeProblems(page, inc)).toEqual([]);
      },
    );
  }
});
