// parcours service worker: serves downloaded trails when the network is gone.
// Trails are stored by the trail page itself (cache "trail-<id>-<lang>-<revision>"); this
// worker keeps a small app shell, answers from the network first for pages and data (so a
// visitor with signal always sees the current content) and falls back to any cache.
// Media are content-addressed (/media/<sha256>), so a cached copy is never stale.
'use strict';

const SHELL = 'parcours-shell-v1';
const SHELL_FILES = ['/static/parcours.css', '/static/parcours.js', '/static/icon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names
      .filter((n) => n.startsWith('parcours-shell-') && n !== SHELL)
      .map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

// A media element asks for byte ranges; a cache holds whole files, so cut the range here.
async function rangeOf(request, response) {
  const header = request.headers.get('range');
  const match = /^bytes=(\d*)-(\d*)$/.exec(header || '');
  if (!match) return response;
  const body = await response.arrayBuffer();
  const size = body.byteLength;
  let start = match[1] === '' ? size - Number(match[2]) : Number(match[1]);
  let end = match[1] === '' || match[2] === '' ? size - 1 : Number(match[2]);
  start = Math.max(0, start);
  end = Math.min(end, size - 1);
  if (start > end) {
    return new Response(null, { status: 416, headers: { 'content-range': `bytes */${size}` } });
  }
  const headers = new Headers(response.headers);
  headers.set('content-range', `bytes ${start}-${end}/${size}`);
  headers.set('content-length', String(end - start + 1));
  return new Response(body.slice(start, end + 1), { status: 206, headers });
}

async function fromCache(request) {
  const url = new URL(request.url);
  const found = await caches.match(request, { ignoreVary: true })
    || await caches.match(url.pathname + url.search, { ignoreVary: true })
    || (url.pathname.startsWith('/media/') && await caches.match(url.pathname, { ignoreVary: true }));
  return found ? rangeOf(request, found) : null;
}

async function networkFirst(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cached = await fromCache(request);
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cached = await fromCache(request);
  return cached || fetch(request);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const immutable = url.pathname.startsWith('/media/') || url.pathname.startsWith('/vendor/');
  event.respondWith(immutable ? cacheFirst(request) : networkFirst(request));
});
