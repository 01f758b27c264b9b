// Jasette's service worker: the static files (versioned URLs) from a cache for a fast start,
// and the notifications a phone shows. Pages and the API always go to the network: they are
// private and live, and the server marks them no-store.
"use strict";
const CACHE = "jasette-static-__VERSION__";
const CORE = __CORE__;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(CORE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("jasette-") && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !url.pathname.startsWith("/static/")) return;
  event.respondWith(caches.open(CACHE).then(async (cache) => {
    const hit = await cache.match(event.request);
    if (hit) return hit;
    const response = await fetch(event.request);
    if (response.ok) cache.put(event.request, response.clone());
    return response;
  }));
});

// Web Push (inbox/alerts/delivery.py sends it): show what the server says, always (a push must
// show something); a tap opens a path of this site only.
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  const url = typeof data.url === "string" && data.url.startsWith("/") && !data.url.startsWith("//") ? data.url : "/";
  event.waitUntil(self.registration.showNotification(String(data.title || "Jasette"), {
    body: String(data.body || ""), tag: typeof data.tag === "string" ? data.tag : undefined,
    icon: "/static/icon-192.png", badge: "/static/icon-192.png", data: { url },
  }));
});

// A tap on a notification brings an open Jasette window to the item, or opens one.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (target.origin !== self.location.origin) return;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
    for (const w of windows) {
      if ("navigate" in w && "focus" in w) return w.focus().then(() => w.navigate(target.href));
    }
    return self.clients.openWindow(target.href);
  }));
});
