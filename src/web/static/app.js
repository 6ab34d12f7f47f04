// Shared by every page: the offline queue of visits, the network banner,
// the hall search and the service worker.
"use strict";

const Hallscore = (() => {
  const PREFIX = "hallscore:visit:";
  const csrf = () => document.querySelector("meta[name=csrf-token]")?.content || "";

  function visits() {
    const out = [];
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key && key.startsWith(PREFIX)) {
        try { out.push(JSON.parse(localStorage.getItem(key))); } catch (_) { /* skip a broken entry */ }
      }
    }
    return out;
  }
  const load = (id) => { try { return JSON.parse(localStorage.getItem(PREFIX + id)); } catch (_) { return null; } };
  const store = (visit) => localStorage.setItem(PREFIX + visit.id, JSON.stringify(visit));
  const forget = (id) => localStorage.removeItem(PREFIX + id);
  // Drafts discarded while the server was out of reach, to delete there.
  const DISCARDED = "hallscore:discarded";
  const discarded = () => { try { return JSON.parse(localStorage.getItem(DISCARDED)) || []; } catch (_) { return []; } };

  // Photos are kept as blobs in IndexedDB until their visit is sent.
  function db() {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open("hallscore", 1);
      open.onupgradeneeded = () => {
        const photos = open.result.createObjectStore("photos", { keyPath: "id" });
        photos.createIndex("visit", "visit");
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }
  async function photoTx(mode, work) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const tx = d.transaction("photos", mode);
      const result = work(tx.objectStore("photos"));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : result);
      tx.onerror = () => reject(tx.error);
    });
  }
  const putPhoto = (photo) => photoTx("readwrite", (s) => s.put(photo));
  const photosOf = (visit) => photoTx("readonly", (s) => s.index("visit").getAll(visit));
  const deletePhoto = (id) => photoTx("readwrite", (s) => s.delete(id));

  function banner(text, kind) {
    const el = document.getElementById("net-status");
    if (!el) return;
    el.textContent = text || "";
    el.className = "net " + (kind || "");
    el.hidden = !text;
  }

  // A local wall-clock time as ISO 8601 with the device's offset.
  function withOffset(local) {
    const date = new Date(local);
    const minutes = -date.getTimezoneOffset();
    const sign = minutes >= 0 ? "+" : "-";
    const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
    const base = local.length === 16 ? local + ":00" : local;
    return `${base}${sign}${pad(minutes / 60)}:${pad(minutes % 60)}`;
  }

  // Sends one queued visit: its photos first, then the visit. Resolves to
  // {ok, status, body}; a network failure rejects.
  async function send(visit) {
    for (const photo of await photosOf(visit.id)) {
      if (photo.uploaded) continue;
      const form = new FormData();
      form.append("visit_id", visit.id);
      form.append("item_code", photo.item || "");
      // The capture time read before resizing, which drops EXIF.
      if (photo.taken_at) form.append("taken_at", withOffset(photo.taken_at));
      form.append("file", photo.blob, "photo.jpg");
      const r = await fetch("/api/v1/photos", { method: "POST", body: form, headers: { "X-CSRF-Token": csrf() } });
      if (!r.ok) return { ok: false, status: r.status, body: await r.json().catch(() => ({})) };
      photo.uploaded = true;
      await putPhoto(photo);
    }
    const body = {
      id: visit.id,
      branch_code: visit.branch_code,
      checklist: visit.checklist,
      visited_at: withOffset(visit.visited_at),
      notes: visit.notes || null,
      answers: visit.answers,
      item_notes: visit.item_notes || {},
      assignment: visit.assignment || null,
    };
    const r = await fetch("/api/v1/visits", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body),
    });
    const json = await r.json().catch(() => ({}));
    if (r.ok) {
      for (const photo of await photosOf(visit.id)) await deletePhoto(photo.id);
      forget(visit.id);
    }
    return { ok: r.ok, status: r.status, body: json };
  }

  // Discards an unfinished visit: from this device (answers and photos)
  // and the server's draft, now or once the server can be reached.
  async function discard(id) {
    forget(id);
    for (const photo of await photosOf(id)) await deletePhoto(photo.id);
    localStorage.setItem(DISCARDED, JSON.stringify([...new Set([...discarded(), id])]));
    await deleteDiscarded();
  }
  async function deleteDiscarded() {
    for (const id of discarded()) {
      try {
        const r = await fetch("/api/v1/drafts/" + id, { method: "DELETE", headers: { "X-CSRF-Token": csrf() } });
        if (!r.ok && r.status !== 404) continue;
      } catch (_) {
        return;
      }
      localStorage.setItem(DISCARDED, JSON.stringify(discarded().filter((x) => x !== id)));
    }
  }

  let flushing = null;
  // Sends every queued visit; keeps those that cannot go yet. A call made
  // while a flush is under way gets that flush's results, so every caller
  // (the page's own `online` handler too) learns that its visit was sent.
  function flush(messages) {
    if (!flushing) flushing = flushQueue(messages).finally(() => { flushing = null; });
    return flushing;
  }
  async function flushQueue(messages) {
    await deleteDiscarded();
    const results = [];
    for (const visit of visits().filter((v) => v.status === "queued")) {
      try {
        const result = await send(visit);
        results.push({ visit, ...result });
        if (!result.ok && result.status !== 401) {
          visit.status = "draft";
          visit.error = result.body?.error?.message || String(result.status);
          store(visit);
        }
      } catch (_) {
        if (messages) banner(messages.offline, "offline");
        results.push({ visit, ok: false, offline: true });
        break;
      }
    }
    return results;
  }

  function searchHalls() {
    const input = document.getElementById("hall-search");
    const list = document.getElementById("halls");
    if (!input || !list) return;
    const none = document.getElementById("no-match");
    // Spaces in the query are ignored: "xp cg" finds what "xpcg" finds.
    input.addEventListener("input", () => {
      const q = input.value.replace(/\s+/g, "").toLowerCase();
      let shown = 0;
      for (const li of list.children) {
        li.hidden = q !== "" && !li.dataset.search.toLowerCase().includes(q);
        if (!li.hidden) shown++;
      }
      if (none) none.hidden = shown > 0;
    });
  }

  function localDrafts() {
    const list = document.getElementById("drafts");
    if (!list) return;
    for (const li of list.querySelectorAll("[data-draft]")) if (discarded().includes(li.dataset.draft)) li.remove();
    const shown = new Set([...list.querySelectorAll("[data-draft]")].map((li) => li.dataset.draft));
    for (const visit of visits()) {
      if (shown.has(visit.id)) continue;
      const li = document.createElement("li");
      li.dataset.draft = visit.id;
      const a = document.createElement("a");
      a.href = "/inspect/visit?id=" + visit.id;
      a.textContent = (visit.branch_code || "") + " " + (visit.hall_name || "");
      li.append(a, " ", Object.assign(document.createElement("span"), { className: "muted", textContent: visit.status === "queued" ? "⏳" : "" }));
      if (visit.status !== "queued") {
        li.append(Object.assign(document.createElement("button"), { type: "button", className: "discard", textContent: list.dataset.discard }));
      }
      list.append(li);
    }
    const empty = () => {
      if (!list.querySelector("[data-draft]")) list.replaceChildren(Object.assign(document.createElement("li"), { className: "muted", textContent: list.dataset.empty }));
    };
    empty();
    list.addEventListener("click", async (event) => {
      const button = event.target.closest("button.discard");
      if (!button || !confirm(list.dataset.confirm)) return;
      const li = button.closest("[data-draft]");
      await discard(li.dataset.draft);
      li.remove();
      empty();
    });
  }

  // A task begun on this device goes on where it was left, and one whose
  // visit waits to be sent says so; offline, the list says it is the copy
  // last seen online.
  function localTasks() {
    const offline = document.getElementById("tasks-offline");
    if (!offline) return;
    offline.hidden = navigator.onLine;
    for (const li of document.querySelectorAll("li.task[data-task]")) {
      const begun = visits().find((v) => String(v.assignment) === li.dataset.task);
      const start = li.querySelector("a.task-start");
      if (!begun || !start) continue;
      start.href = "/inspect/visit?id=" + begun.id;
      start.textContent = start.dataset.continue;
      const state = li.querySelector(".task-state");
      if (begun.status === "queued") state.textContent = state.dataset.queued;
    }
  }

  // Installs the service worker that keeps the pages for going offline. An
  // install that fails (the network dropped while it fetched the pages, or
  // the page it began on was left) is tried again a few times, so the pages
  // are kept without the inspector having to reload.
  function keepOffline(attempt) {
    const again = () => {
      if (attempt < 5) setTimeout(() => keepOffline(attempt + 1), 1000 * 2 ** attempt);
    };
    navigator.serviceWorker.register("/sw.js").then((registration) => {
      const worker = registration.installing;
      if (!worker) return;
      worker.addEventListener("statechange", () => {
        if (worker.state === "redundant" && !registration.active) again();
      });
    }, again);
  }

  // A page still loading when the worker took over the open pages is left
  // out of that; once a worker is active, it is asked to take this page too.
  function takenByWorker() {
    navigator.serviceWorker.ready.then((registration) => {
      if (!navigator.serviceWorker.controller && registration.active) {
        registration.active.postMessage("claim");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    searchHalls();
    localDrafts();
    localTasks();
    if ("serviceWorker" in navigator && document.querySelector("meta[name=csrf-token]")?.content) {
      keepOffline(0);
      takenByWorker();
    }
    window.addEventListener("online", () => flush());
    if (navigator.onLine) flush();
  });

  return { load, store, forget, discard, visits, putPhoto, photosOf, deletePhoto, banner, flush, send, csrf, withOffset };
})();
