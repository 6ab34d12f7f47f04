// The visit form: every answer is written to this device's storage the
// moment it is given, copied to the server as a draft when online, and the
// finished visit is queued until the server has it.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("visit");
  if (!form) return;
  const messages = JSON.parse(document.getElementById("messages").textContent);
  const halls = JSON.parse(document.getElementById("halls-data").textContent);
  const items = [...form.querySelectorAll("fieldset.item")];
  const params = new URLSearchParams(location.search);

  const newId = () => {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  const localNow = () => {
    const d = new Date();
    d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
    return d.toISOString().slice(0, 16);
  };

  let id = params.get("id") || newId();
  let visit = Hallscore.load(id) || {
    id,
    branch_code: params.get("branch") || "",
    checklist: form.dataset.checklist,
    visited_at: localNow(),
    answers: {},
    item_notes: {},
    notes: "",
    stopwatch: {},
    status: "draft",
  };
  history.replaceState(null, "", "/inspect/visit?id=" + id);
  const hall = halls.find((h) => h.code === visit.branch_code);
  visit.hall_name = hall ? hall.name : "";
  document.getElementById("hall-name").textContent = hall ? `${hall.name}(${hall.code})` : visit.branch_code;

  const state = document.getElementById("save-state");
  let draftTimer = null;
  let previewTimer = null;

  function save() {
    visit.updated = Date.now();
    Hallscore.store(visit);
    state.textContent = messages.saved_locally;
    progress();
    clearTimeout(draftTimer);
    draftTimer = setTimeout(syncDraft, 1200);
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, 600);
  }

  async function syncDraft() {
    if (visit.status !== "draft") return;
    try {
      const r = await fetch("/api/v1/drafts/" + id, {
        method: "PUT",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": Hallscore.csrf() },
        body: JSON.stringify(visit),
      });
      if (r.ok) {
        state.textContent = messages.saved_server;
        Hallscore.banner("");
      } else if (r.status === 401) {
        Hallscore.banner(messages.session_expired, "offline");
      }
    } catch (_) {
      Hallscore.banner(messages.offline, "offline");
    }
  }

  async function preview() {
    const score = document.getElementById("running-score");
    try {
      const r = await fetch("/api/v1/visits/preview", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": Hallscore.csrf() },
        body: JSON.stringify({ id, branch_code: visit.branch_code, checklist: visit.checklist, visited_at: visit.visited_at, answers: visit.answers }),
      });
      const body = await r.json();
      score.textContent = r.ok && body.rate !== null ? (body.rate * 100).toFixed(1) + "%" : "—";
    } catch (_) {
      score.textContent = "—";
      score.title = messages.preview_offline;
    }
  }

  const required = (f) => f.dataset.na !== "true";
  function missing() {
    return items.filter((f) => required(f) && (visit.answers[f.dataset.code] ?? "") === "");
  }
  function progress() {
    const answered = items.filter((f) => (visit.answers[f.dataset.code] ?? "") !== "").length;
    document.getElementById("progress-count").textContent = answered;
    document.getElementById("progress-total").textContent = items.length;
    for (const f of items) f.classList.toggle("unanswered", required(f) && (visit.answers[f.dataset.code] ?? "") === "");
  }

  function render() {
    for (const f of items) {
      const code = f.dataset.code;
      const value = visit.answers[code];
      for (const b of f.querySelectorAll("button.answer")) b.classList.toggle("selected", b.dataset.value === value);
      const input = f.querySelector("input.number");
      if (input) input.value = value === undefined || value === "不适用" ? "" : value;
      const note = f.querySelector("textarea.item-note");
      if (note) note.value = visit.item_notes[code] || "";
    }
    document.getElementById("notes").value = visit.notes || "";
    document.getElementById("visited-at").value = visit.visited_at;
    stopwatchText();
    thumbs();
    progress();
    preview();
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button.answer");
    if (!button) return;
    const f = button.closest("fieldset.item");
    visit.answers[f.dataset.code] = button.dataset.value;
    for (const b of f.querySelectorAll("button.answer")) b.classList.toggle("selected", b === button);
    const input = f.querySelector("input.number");
    if (input && button.dataset.value === "不适用") input.value = "";
    save();
  });
  form.addEventListener("input", (event) => {
    const t = event.target;
    const f = t.closest("fieldset.item");
    if (t.matches("input.number") && f) {
      visit.answers[f.dataset.code] = t.value;
      for (const b of f.querySelectorAll("button.answer")) b.classList.remove("selected");
    } else if (t.matches("textarea.item-note") && f) {
      visit.item_notes[f.dataset.code] = t.value;
    } else if (t.id === "notes") {
      visit.notes = t.value;
    } else if (t.id === "visited-at") {
      visit.visited_at = t.value;
    } else {
      return;
    }
    save();
  });

  // The queue stopwatch: ticket → called → done fill the two wait items.
  function stopwatchText() {
    const s = visit.stopwatch || {};
    const at = (t) => (t ? new Date(t).toLocaleTimeString() : "—");
    document.getElementById("stopwatch-times").textContent =
      `${at(s.take)} → ${at(s.call)} → ${at(s.done)}`;
  }
  function fill(slot, from, to) {
    const f = items.find((x) => x.dataset.stopwatch === String(slot));
    if (!f || !from || !to) return;
    const minutes = Math.round(((to - from) / 60000) * 10) / 10;
    visit.answers[f.dataset.code] = String(minutes);
    const input = f.querySelector("input.number");
    if (input) input.value = minutes;
  }
  document.getElementById("stopwatch").addEventListener("click", (event) => {
    const button = event.target.closest("[data-stopwatch]");
    if (!button) return;
    const s = (visit.stopwatch = visit.stopwatch || {});
    const step = button.dataset.stopwatch;
    if (step === "reset") visit.stopwatch = {};
    else s[step] = Date.now();
    if (step === "call") fill(1, s.take, s.call);
    if (step === "done") fill(2, s.call, s.done);
    stopwatchText();
    save();
  });

  // Photos: resized on the device, kept until the visit is sent.
  async function resize(file) {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.8));
  }
  async function thumbs() {
    const photos = await Hallscore.photosOf(id);
    for (const box of form.querySelectorAll("[data-thumbs]")) {
      box.replaceChildren();
      for (const p of photos.filter((p) => (p.item || "") === box.dataset.thumbs)) {
        const img = document.createElement("img");
        img.src = URL.createObjectURL(p.blob);
        img.alt = p.item || "";
        box.append(img);
      }
    }
  }
  form.addEventListener("change", async (event) => {
    const input = event.target;
    if (!input.matches("input.photo-input") || !input.files.length) return;
    for (const file of input.files) {
      let blob;
      try { blob = await resize(file); } catch (_) { blob = file; }
      await Hallscore.putPhoto({ id: newId(), visit: id, item: input.dataset.item, blob, uploaded: false });
    }
    input.value = "";
    thumbs();
    save();
  });

  // Review, then submit.
  const review = document.getElementById("review");
  async function problems() {
    const out = [];
    const open = missing();
    if (open.length) out.push(messages.required_missing + ":" + open.map((f) => f.dataset.code).join("、"));
    const minPhotos = Number(form.dataset.minPhotos || 0);
    const photos = (await Hallscore.photosOf(id)).length;
    if (photos < minPhotos) out.push(`${messages.min_photos} ${minPhotos}(${photos})`);
    const minChars = Number(form.dataset.commentMin || 0);
    const chars = [...(visit.notes || "").trim()].length;
    if (chars < minChars) out.push(`${messages.comment_rule} ${minChars}(${chars})`);
    if (!visit.branch_code) out.push("?");
    return out;
  }
  document.getElementById("to-review").addEventListener("click", async () => {
    const body = document.getElementById("review-body");
    body.replaceChildren();
    for (const section of form.querySelectorAll("section.section")) {
      const done = [...section.querySelectorAll("fieldset.item")].filter((f) => (visit.answers[f.dataset.code] ?? "") !== "").length;
      const total = section.querySelectorAll("fieldset.item").length;
      body.append(Object.assign(document.createElement("p"), { textContent: `${section.querySelector("h2").textContent}:${done} / ${total}` }));
    }
    const list = await problems();
    const box = document.getElementById("review-problems");
    box.hidden = !list.length;
    box.textContent = list.join(";");
    document.getElementById("submit").disabled = list.length > 0;
    review.hidden = false;
    review.scrollIntoView({ behavior: "smooth" });
    const first = missing()[0];
    if (first) first.scrollIntoView({ behavior: "smooth", block: "center" });
  });
  document.getElementById("back-to-form").addEventListener("click", () => { review.hidden = true; });

  async function submit() {
    if ((await problems()).length) return;
    visit.status = "queued";
    delete visit.error;
    Hallscore.store(visit);
    state.textContent = messages.submitting;
    const results = await Hallscore.flush(messages);
    const mine = results.find((r) => r.visit.id === id);
    if (mine && mine.ok) {
      location.href = "/visits/" + id;
      return;
    }
    if (!mine || mine.offline) {
      Hallscore.banner(messages.offline, "offline");
      state.textContent = messages.queued;
    } else if (mine.status === 401) {
      Hallscore.banner(messages.session_expired, "offline");
      state.textContent = messages.queued;
    } else {
      visit = Hallscore.load(id) || visit;
      const error = mine.body?.error;
      Hallscore.banner(`${messages.submit_failed}:${error?.message || mine.status}`, "error");
    }
  }
  document.getElementById("submit").addEventListener("click", submit);
  // A queued visit goes as soon as the connection is back.
  window.addEventListener("online", async () => {
    Hallscore.banner("");
    if (visit.status === "queued") {
      const results = await Hallscore.flush(messages);
      if (results.find((r) => r.visit.id === id && r.ok)) location.href = "/visits/" + id;
    }
  });
  window.addEventListener("offline", () => Hallscore.banner(messages.offline, "offline"));
  setInterval(async () => {
    if (visit.status === "queued" && navigator.onLine) {
      const results = await Hallscore.flush(messages);
      if (results.find((r) => r.visit.id === id && r.ok)) location.href = "/visits/" + id;
    }
  }, 15000);

  // A draft opened on another device: take the server's copy.
  if (!Hallscore.load(id) && params.get("id")) {
    fetch("/api/v1/drafts/" + id).then((r) => (r.ok ? r.json() : null)).then((draft) => {
      if (draft && draft.id === id) {
        visit = { ...visit, ...draft };
        Hallscore.store(visit);
        render();
      }
    }).catch(() => {});
  }
  if (visit.status === "queued") state.textContent = messages.queued;
  Hallscore.store(visit);
  render();
});
