// CSO Field's service worker, served at /sw.js by cso_field/offline/routes.py.
// - Static files and the logged-out offline page are precached, per build version: their URLs
//   carry a content hash (?v=), so a page only ever gets the files it was rendered with.
// - Pages are fetched from the network first. A page the server marks as one a phone may keep
//   ({{ keep_header }}: keep) is kept under the officer it belongs to ({{ user_header }}), and
//   shown offline only while that officer is the one logged in on this phone. A response
//   without the officer header means nobody is logged in: every kept page is deleted, and
//   offline such a visitor only gets the offline page, which holds no user data.
// - A new version installs whole, takes over at once and deletes the old version's files and
//   pages (pages refer to the files of their own version).
// Queued records are not here: static/js/outbox.js keeps them in IndexedDB.
const VERSION = {{ version | tojson }};
const PRECACHE = {{ precache | tojson }};
const OFFLINE_PAGE = {{ offline_url | tojson }};
const SHELL_PAGE = {{ shell_url | tojson }};
const SESSION_MAX_MS = {{ session_max_ms }};
const USER_HEADER = {{ user_header | tojson }};
const KEEP_HEADER = {{ keep_header | tojson }};
const NETWORK_WAIT_MS = 12000;
const STATIC_CACHE = "cso-static-" + VERSION;
const PAGES_PREFIX = "cso-pages-";
const STATE_CACHE = "cso-state";
const STATE_URL = "/__cso-state";

const pagesCache = (user) => PAGES_PREFIX + VERSION + "-" + user;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(STATIC_CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      const old = name.startsWith("cso-static-") ? name !== STATIC_CACHE
        : name.startsWith(PAGES_PREFIX) && !name.startsWith(PAGES_PREFIX + VERSION + "-");
      if (old) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") event.respondWith(navigate(event));
  else if (url.pathname.startsWith("/static/")) event.respondWith(staticFile(request));
});

async function readState() {
  const stored = await (await caches.open(STATE_CACHE)).match(STATE_URL);
  return stored ? stored.json() : { user: null, seen: 0 };
}

async function writeState(state) {
  const cache = await caches.open(STATE_CACHE);
  await cache.put(STATE_URL, new Response(JSON.stringify(state), {
    headers: { "Content-Type": "application/json" },
  }));
}

async function forgetPagesExcept(user) {
  const keep = user ? pagesCache(user) : null;
  for (const name of await caches.keys()) {
    if (name.startsWith(PAGES_PREFIX) && name !== keep) await caches.delete(name);
  }
}

async function navigate(event) {
  const request = event.request;
  let response;
  try {
    response = await Promise.race([
      fetch(request),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), NETWORK_WAIT_MS)),
    ]);
  } catch (error) {
    return offlineAnswer(request);
  }
  if (response.type === "basic") event.waitUntil(remember(request, response.clone()));
  return response;
}

// Learn who is logged in from every page, and keep the pages the server allows.
async function remember(request, response) {
  const user = response.headers.get(USER_HEADER) || null;
  const state = await readState();
  if (user !== state.user) await forgetPagesExcept(user);
  await writeState({ user, seen: Date.now() });
  if (!user) return;
  const cache = await caches.open(pagesCache(user));
  if (response.status === 200 && response.headers.get(KEEP_HEADER) === "keep") {
    await cache.put(response.url || request.url, await stamped(response));
  }
  if (!(await cache.match(SHELL_PAGE))) {
    const shell = await fetch(SHELL_PAGE, { credentials: "same-origin" });
    if (shell.ok && shell.headers.get(USER_HEADER) === user) await cache.put(SHELL_PAGE, await stamped(shell));
  }
}

// A fresh copy (a redirected response cannot answer a later navigation) with the time kept.
async function stamped(response) {
  const headers = new Headers(response.headers);
  headers.set("X-CSO-Kept-At", new Date().toISOString());
  return new Response(await response.blob(), { status: 200, headers });
}

async function offlineAnswer(request) {
  const state = await readState();
  if (state.user && Date.now() - state.seen < SESSION_MAX_MS) {
    const cache = await caches.open(pagesCache(state.user));
    const kept = (await cache.match(request.url)) || (await cache.match(request.url, { ignoreSearch: true }));
    if (kept) return marked(kept, "copy");
    const shell = await cache.match(SHELL_PAGE);
    if (shell) return marked(shell, "missing");
  }
  return (await caches.match(OFFLINE_PAGE, { cacheName: STATIC_CACHE })) || Response.error();
}

// Tell the page it is a kept copy, and from when (shown as "last updated").
async function marked(response, kind) {
  const when = response.headers.get("X-CSO-Kept-At") || "";
  const html = (await response.text()).replace("<body ", `<body data-offline-${kind}="${when}" `);
  const headers = new Headers(response.headers);
  headers.delete("Content-Length");
  return new Response(html, { status: 200, headers });
}

async function staticFile(request) {
  const cache = await caches.open(STATIC_CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && new URL(request.url).searchParams.has("v")) {
    await cache.put(request, response.clone());
  }
  return response;
}
