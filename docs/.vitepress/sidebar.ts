// The site's table of contents. It lives apart from config.ts (which imports VitePress) so that
// the page test can read it and check that every page is reachable and every entry exists.

/** One sidebar entry: a page of the site, by its path without `.md`. */
export interface SidebarLink {
  text: string;
  link: string;
}

/** A titled group of entries. */
export interface SidebarGroup {
  text: string;
  items: SidebarLink[];
}

/** The guide, in the order of Python's multiprocessing documentation. */
export const guide: SidebarGroup[] = [
  {
    text: 'Introduction',
    items: [
      { text: 'Introduction', link: '/introduction' },
      { text: 'Getting started', link: '/getting-started' },
      { text: 'Coming from Python', link: '/coming-from-python' },
    ],
  },
  {
    text: 'Guide',
    items: [
      { text: 'Processes and start methods', link: '/processes' },
      { text: 'Exchanging objects: queues', link: '/queues' },
      { text: 'Exchanging objects: pipes', link: '/connections' },
      { text: 'Synchronization', link: '/synchronization' },
      { text: 'Sharing state: shared memory', link: '/shared-memory' },
      { text: 'Sharing state: Value and Array', link: '/shared-values' },
      { text: 'Sharing state: managers', link: '/managers' },
      { text: 'Pools', link: '/pool' },
      { text: 'Listeners and clients', link: '/listeners-clients' },
      { text: 'Remote managers', link: '/remote-managers' },
      { text: 'Programming guidelines', link: '/programming-guidelines' },
      { text: 'Beyond one machine', link: '/beyond-one-machine' },
    ],
  },
  {
    text: 'Reference',
    items: [
      { text: 'Compared with Node pools', link: '/compared-with-node-pools' },
      { text: 'Performance', link: '/performance' },
      { text: 'Errors and codes', link: '/errors' },
      { text: 'Timeouts', link: '/timeouts' },
      { text: 'API reference', link: '/api/' },
    ],
  },
];

/** The API reference: one page per package, as TypeDoc writes them into api/. */
export const api: SidebarGroup[] = [
  {
    text: 'API reference',
    items: [
      { text: 'Overview', link: '/api/' },
      { text: 'multiproc (facade)', link: '/api/multiproc' },
      { text: '@multiproc/process', link: '/api/@multiproc/process' },
      { text: '@multiproc/connection', link: '/api/@multiproc/connection' },
      { text: '@multiproc/synchronize', link: '/api/@multiproc/synchronize' },
      { text: '@multiproc/shared-memory', link: '/api/@multiproc/shared-memory' },
      { text: '@multiproc/sharedctypes', link: '/api/@multiproc/sharedctypes' },
      { text: '@multiproc/pool', link: '/api/@multiproc/pool' },
      { text: '@multiproc/queues', link: '/api/@multiproc/queues' },
      { text: '@multiproc/managers', link: '/api/@multiproc/managers' },
      { text: '@multiproc/bullmq', link: '/api/@multiproc/bullmq' },
      { text: '@multiproc/serialize', link: '/api/@multiproc/serialize' },
      { text: '@multiproc/native', link: '/api/@multiproc/native' },
    ],
  },
  { text: 'Guide', items: [{ text: 'Back to the guide', link: '/introduction' }] },
];
