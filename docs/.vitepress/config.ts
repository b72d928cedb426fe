import { defineConfig } from 'vitepress';
import { api, guide } from './sidebar.js';

export default defineConfig({
  title: 'multiproc',
  description:
    "Python's multiprocessing for Node.js and TypeScript: real processes, real shared memory.",
  cleanUrls: true,
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }]],
  lastUpdated: false,
  // test/ holds the page and browser tests, not pages.
  srcExclude: ['test/**', 'node_modules/**'],
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/introduction' },
      { text: 'Coming from Python', link: '/coming-from-python' },
      { text: 'API', link: '/api/' },
      { text: 'Performance', link: '/performance' },
    ],
    sidebar: { '/api/': api, '/': guide },
    search: { provider: 'local' },
    outline: [2, 3],
  },
});
