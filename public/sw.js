/*
 * Service worker of the Math Reasoning Workbench. It keeps the app shell in a versioned Cache
 * Storage cache: index.html and every hashed JS, CSS, worker and font file it references. After one
 * load the app then starts and runs with no network.
 *
 * - Version: the page registers this script as sw.js?v=BUILD, BUILD derived from the hashed asset
 *   names in index.html. A new build changes the URL, so the browser installs a new worker, which
 *   fills a new cache "mwb-shell-BUILD" and deletes the older "mwb-shell-*" caches when it activates.
 * - Precache: the install step fetches index.html, then follows the asset references found in each
 *   HTML, JS and CSS file (quoted or url() paths ending in a known extension). References that do not
 *   load, or load as HTML (a single-page-app server's answer for a missing file), are strings that only
 *   look like file names and are skipped. index.html itself must load.
 * - Fetch: page navigations go to the network first and fall back to the cached index.html offline;
 *   other same-origin GETs are served from the cache first and cached when fetched. Cross-origin
 *   requests (model downloads), non-GET and Range requests pass through untouched.
 *
 * Models, data and results live in OPFS and IndexedDB, which this worker never touches; it deletes
 * only its own "mwb-shell-*" caches.
 */
const CACHE_PREFIX = 'mwb-shell-';
const VERSION = new URL(self.location.href).searchParams.get('v') || 'unversioned';
const CACHE_NAME = CACHE_PREFIX + VERSION;
const SCOPE = self.registration.scope;
const INDEX_URL = new URL('./', SCOPE).href;
const MAX_PRECACHE_FILES = 500;
const SCANNED = /\.(?:html|js|mjs|css)$/;
const REFERENCE = /["'`(]([^"'`()\s<>]+?\.(?:js|mjs|css|woff2|woff|ttf|otf|wasm|svg|png|ico|json|wgsl))(?:[?#][^"'`()\s<>]*)?["'`)]/g;

function log(message, detail) {
  console.info(`[mwb service worker ${VERSION}] ${message}`, detail ?? '');
}

/** Same-origin URLs under the scope that a file's text refers to, resolved against the file's URL. */
function referencesIn(text, base) {
  const found = new Set();
  for (const match of text.matchAll(REFERENCE)) {
    let url;
    try {
      url = new URL(match[1], base);
    } catch {
      continue;
    }
    url.hash = '';
    url.search = '';
    // Template-literal fragments such as `${name}.png` in bundled code are not files.
    if (url.pathname.includes('$%7B')) continue;
    if (url.href.startsWith(SCOPE) && !url.pathname.endsWith('/sw.js')) found.add(url.href);
  }
  return found;
}

async function precache() {
  const cache = await caches.open(CACHE_NAME);
  const queue = [INDEX_URL];
  const seen = new Set(queue);
  let stored = 0;
  let skipped = 0;
  while (queue.length > 0) {
    const url = queue.shift();
    let response;
    try {
      response = await fetch(url, { cache: 'reload', credentials: 'same-origin' });
    } catch (error) {
      if (url === INDEX_URL) throw error;
      skipped++;
      continue;
    }
    if (!response.ok) {
      if (url === INDEX_URL) throw new Error(`fetching ${url} failed with HTTP ${response.status}`);
      skipped++;
      continue;
    }
    // Servers of single-page apps return index.html for unknown paths, so an HTML response for
    // anything but the index means the referenced file does not exist.
    if (url !== INDEX_URL && (response.headers.get('content-type') ?? '').includes('text/html')) {
      skipped++;
      continue;
    }
    await cache.put(url, response.clone());
    stored++;
    if (url === INDEX_URL || SCANNED.test(new URL(url).pathname)) {
      for (const reference of referencesIn(await response.text(), url)) {
        if (seen.has(reference) || seen.size >= MAX_PRECACHE_FILES) continue;
        seen.add(reference);
        queue.push(reference);
      }
    }
  }
  log(`precached ${stored} files (${skipped} references skipped)`);
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    precache()
      .then(() => self.skipWaiting())
      .catch((error) => {
        log('precache failed; the app will not work offline until the next successful install', error);
        throw error;
      }),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      const old = names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME);
      await Promise.all(old.map((name) => caches.delete(name)));
      if (old.length > 0) log(`deleted old caches: ${old.join(', ')}`);
      await self.clients.claim();
    })(),
  );
});

async function navigationResponse(request) {
  const cache = await caches.open(CACHE_NAME);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(INDEX_URL, response.clone());
    return response;
  } catch (error) {
    const cached = (await cache.match(INDEX_URL)) ?? (await caches.match(INDEX_URL));
    if (cached) return cached;
    throw error;
  }
}

async function assetResponse(request) {
  const cache = await caches.open(CACHE_NAME);
  // Vite's preview and many static servers send `Vary: Origin`; the precache fetch had no Origin
  // header while module scripts (crossorigin) do, so matching must ignore Vary. Hashed files never change.
  const cached = await cache.match(request, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') await cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || request.headers.has('range')) return;
  if (!request.url.startsWith(SCOPE)) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigationResponse(request));
  } else {
    event.respondWith(assetResponse(request));
  }
});
