// hallscore service worker: keeps the app shell, the inspector's tasks
// and the visit form available without a network. Answers themselves live in the page's
// storage and are sent by the page; this worker never queues requests.
const VERSION = "__VERSION__";
const CACHE = "hallscore-" + VERSION;
const ASSETS = [__SHELL__];
const PAGES = ["/inspect/tasks", "/inspect", "/inspect/visit"];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(ASSETS);
    for (const page of PAGES) {
      try {
        const response = await fetch(page, { credentials: "same-origin" });
        if (response.ok && !response.redirected) await cache.put(page, response);
      } catch (_) { /* offline at install: cached on the next visit */ }
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith("hallscore-") && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

// A page that loaded while this worker was activating asks to be taken.
self.addEventListener("message", (event) => {
  if (event.data === "claim") event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
    return;
  }
  if (request.mode === "navigate" && PAGES.includes(url.pathname)) {
    // The network first, so pages are fresh; the cached copy when offline.
    event.respondWith((async () => {
      try {
        const response = await fetch(request);
        // A form opened on one visit (a returned one comes with its
        // answers) is not the blank form kept for offline use.
        if (response.ok && !response.redirected && !url.searchParams.has("id")) {
          const cache = await caches.open(CACHE);
          await cache.put(url.pathname, response.clone());
        }
        return response;
      } catch (error) {
        const hit = await caches.match(url.pathname);
        if (hit) return hit;
        throw error;
      }
    })());
  }
});
