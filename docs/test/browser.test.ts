// The built site, checked in a real browser: it builds the site (TypeDoc, then VitePress), serves
// it on 127.0.0.1, and drives Debian's Chromium headless through playwright-core. Every page must
// render without console errors, the sidebar must reach every guide page, every included code
// sample must be on its page and highlighted, and the local search must find `imapUnordered`.
// Screenshots of the home page, the pool page and the queues page land in docs/test/artifacts/
// (not committed).
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { api, guide } from '../.vitepress/sidebar.js';

const docsDir = join(__dirname, '..');
const distDir = join(docsDir, '.vitepress', 'dist');
const artifactsDir = join(__dirname, 'artifacts');
const chromiumPath = process.env.MULTIPROC_CHROMIUM ?? '/usr/bin/chromium';

/** The flags Debian's Chromium needs here: no sandbox (containers), and no network of its own. */
const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const guideLinks = guide.flatMap((group) => group.items.map((item) => item.link));
const apiLinks = api.flatMap((group) => group.items.map((item) => item.link));
const allLinks = ['/', ...new Set([...guideLinks, ...apiLinks])];

/** The page file behind a link (`/pool` → pool.md, `/api/` → api/index.md, `/` → index.md). */
const sourceOf = (link: string): string =>
  join(docsDir, link.endsWith('/') ? `${link.slice(1)}index.md` : `${link.slice(1)}.md`);

// ---------------------------------------------------------------------------------------------
// What each page should show: the code its `<<<` lines include.

/** The lines an include shows: the whole file, or the lines between its region markers. */
function includedLines(file: string, region: string | undefined): string[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  if (region === undefined) return lines;
  const start = lines.findIndex((line) => line.trim() === `// #region ${region}`);
  const end = lines.findIndex((line) => line.trim() === `// #endregion ${region}`);
  return lines.slice(start + 1, end);
}

/** For each include of a page, its longest line: a line that must appear in a highlighted block. */
function expectedSamples(link: string): { include: string; line: string }[] {
  const source = sourceOf(link);
  if (!existsSync(source)) return [];
  return readFileSync(source, 'utf8')
    .split('\n')
    .flatMap((line) => {
      const match = /^<<< @\/\.\.\/(examples\/[\w./-]+?)(?:#([\w-]+))?$/.exec(line.trim());
      if (!match) return [];
      const lines = includedLines(join(docsDir, '..', match[1] ?? ''), match[2]);
      const longest = lines.reduce((a, b) => (b.trim().length > a.trim().length ? b : a), '');
      return [{ include: line.trim(), line: longest.trim() }];
    });
}

// ---------------------------------------------------------------------------------------------
// Building and serving.

function build(): void {
  const bin = (name: string): string => join(docsDir, 'node_modules', '.bin', name);
  for (const [command, args] of [
    [bin('typedoc'), []],
    [bin('vitepress'), ['build', '.']],
  ] as const) {
    const result = spawnSync(command, [...args], {
      cwd: docsDir,
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (result.status !== 0) {
      throw new Error(
        `${command} ${args.join(' ')} failed (status ${String(result.status)}):\n` +
          `${result.stdout}\n${result.stderr}`,
      );
    }
  }
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
};

/** Serves the built site the way a static host does with VitePress's clean URLs. */
function serve(): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const base = normalize(join(distDir, path));
    const candidates = [base, `${base}.html`, join(base, 'index.html')];
    const file =
      base.startsWith(distDir + sep) || base === distDir
        ? candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile())
        : undefined;
    if (file === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response
      .writeHead(200, { 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream' })
      .end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no TCP address');
      resolve({ server, origin: `http://127.0.0.1:${address.port}` });
    });
  });
}

// ---------------------------------------------------------------------------------------------

let server: Server | undefined;
let origin = '';
let context: BrowserContext | undefined;
let userDataDir = '';

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is missing: ${chromiumPath} does not exist. Install Debian's chromium ` +
        '(apt-get install -y chromium; .ci/run does this in CI), or point MULTIPROC_CHROMIUM at ' +
        'a Chromium binary.',
    );
  }
  build();
  ({ server, origin } = await serve());
  userDataDir = mkdtempSync(join(tmpdir(), 'multiproc-docs-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumFlags,
    viewport: { width: 1280, height: 900 },
  });
  mkdirSync(artifactsDir, { recursive: true });
}, 600_000);

afterAll(async () => {
  await context?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
}, 60_000);

/** Opens `link` in a new tab and collects what the browser reported as errors on the way. */
async function open(link: string): Promise<{ page: Page; errors: string[] }> {
  const page = await (context as BrowserContext).newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  await page.goto(origin + link, { waitUntil: 'networkidle' });
  return { page, errors };
}

describe('the documentation site in Chromium', () => {
  it('built every page the sidebar names', () => {
    const missing = allLinks.filter((link) => {
      const html = link.endsWith('/') ? `${link}index.html` : `${link}.html`;
      return !existsSync(join(distDir, html));
    });
    expect(missing).toEqual([]);
    expect(readdirSync(join(distDir, 'assets')).length).toBeGreaterThan(0);
  });

  it.each(allLinks)(
    '%s renders without console errors, with its code samples highlighted',
    async (link) => {
      const { page, errors } = await open(link);
      try {
        await page.waitForSelector(link === '/' ? '.VPHome' : '.VPDoc h1', { timeout: 15_000 });
        const blocks = await page.$$eval('div[class*="language-"] pre.shiki', (pres) =>
          pres.map((pre) => ({
            text: pre.textContent ?? '',
            colors: new Set(
              [...pre.querySelectorAll('span[style]')].map((span) => span.getAttribute('style')),
            ).size,
          })),
        );
        const problems = expectedSamples(link).flatMap(({ include, line }) => {
          const block = blocks.find((b) => b.text.includes(line));
          if (block === undefined)
            return [`${include}: no code block shows ${JSON.stringify(line)}`];
          return block.colors < 3 ? [`${include}: its code block is not highlighted`] : [];
        });
        expect(problems).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    },
    60_000,
  );

  it('reaches every guide page through the sidebar', async () => {
    const { page, errors } = await open('/introduction');
    try {
      const reached: string[] = [];
      for (const link of guideLinks) {
        const item = page.locator(`.VPSidebar a[href="${link}"]`).first();
        await item.click();
        await page.waitForURL((url) => url.pathname === link, { timeout: 15_000 });
        await page.waitForSelector('.VPDoc h1', { timeout: 15_000 });
        reached.push(new URL(page.url()).pathname);
      }
      expect(reached).toEqual(guideLinks);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 180_000);

  it('finds imapUnordered with the local search', async () => {
    const { page, errors } = await open('/');
    try {
      await page.click('.VPNavBarSearch button');
      await page.fill('.VPLocalSearchBox input', 'imapUnordered');
      const results = page.locator('.VPLocalSearchBox .results li');
      await results.first().waitFor({ timeout: 15_000 });
      const texts = await results.allTextContents();
      expect(texts.length).toBeGreaterThan(0);
      expect(texts.some((text) => text.includes('imapUnordered'))).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('saves screenshots of the home page, the pool page and the queues page', async () => {
    for (const [link, name] of [
      ['/', 'home.png'],
      ['/pool', 'pool.png'],
      ['/queues', 'queues.png'],
    ] as const) {
      const { page } = await open(link);
      try {
        const file = join(artifactsDir, name);
        await page.screenshot({ path: file, fullPage: false });
        expect(statSync(file).size).toBeGreaterThan(10_000);
      } finally {
        await page.close();
      }
    }
  }, 60_000);
});
