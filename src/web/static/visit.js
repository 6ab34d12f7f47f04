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

  // A visit the reviewer returned comes with the form, to be corrected
  // and sent again under its id; edits begun on this device are kept.
  const returnedData = document.getElementById("returned-data");
  const returned = returnedData ? JSON.parse(returnedData.textContent) : null;
  let id = params.get("id") || newId();
  const kept = Hallscore.load(id);
  // Opening a hall's form makes no draft: one is kept (on this device and
  // on the server) once something is answered, noted, timed or photographed.
  let visit = (kept && (!returned || kept.status === "draft") ? kept : returned) || {
    id,
    branch_code: params.get("branch") || "",
    // The task the visit carries out; none for a visit outside the plan.
    assignment: Number(params.get("assignment")) || null,
    task_when: params.get("when") || "",
    checklist: form.dataset.checklist,
    visited_at: localNow(),
    answers: {},
    item_notes: {},
    notes: "",
    stopwatch: {},
    status: "draft",
  };
  history.replaceState(null, "", "/inspect/visit?id=" + id);
  function showHall() {
    const hall = halls.find((h) => h.code === visit.branch_code);
    visit.hall_name = hall ? hall.name : "";
    document.getElementById("hall-name").textContent = hall ? `${hall.name}(${hall.code})` : visit.branch_code;
    const plan = document.getElementById("visit-plan");
    plan.textContent = visit.assignment
      ? `${plan.dataset.task} #${visit.assignment} ${visit.task_when || ""}`.trim()
      : plan.dataset.unplanned;
    plan.classList.toggle("unplanned", !visit.assignment);
    // The hall's items under rectification: the inspector looks at them
    // closely (the roster with them comes with the form, offline too).
    const recheck = hall ? hall.recheck || [] : [];
    for (const f of items) {
      const marked = recheck.includes(f.dataset.code);
      f.classList.toggle("recheck", marked);
      f.querySelector(".recheck-mark").hidden = !marked;
    }
    const note = document.getElementById("recheck-note");
    note.textContent = messages.recheck_note.replace("{n}", recheck.length);
    note.hidden = !recheck.length;
  }
  const started = () =>
    Object.values(visit.answers || {}).some((v) => v !== "") ||
    Object.values(visit.item_notes || {}).some((v) => v !== "") ||
    !!(visit.notes || "").trim() || !!(visit.stopwatch || {}).take;

  const state = document.getElementById("save-state");
  let draftTimer = null;
  let previewTimer = null;

  function save() {
    if (!started() && !Hallscore.load(id)) {
      progress();
      return;
    }
    visit.updated = Date.now();
    Hallscore.store(visit);
    state.textContent = messages.saved_locally;
    state.classList.remove("failed");
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

  // The server checks the draft by the same rules as a submission: its
  // answers' problems are marked live, every problem at the review.
  function draftBody() {
    return {
      id, branch_code: visit.branch_code, checklist: visit.checklist,
      visited_at: Hallscore.withOffset(visit.visited_at), notes: visit.notes || null,
      answers: visit.answers, item_notes: visit.item_notes || {},
      assignment: visit.assignment || null,
    };
  }
  async function check() {
    const pending = (await Hallscore.photosOf(id)).filter((p) => !p.uploaded).length;
    const r = await fetch("/api/v1/visits/preview", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": Hallscore.csrf() },
      body: JSON.stringify({ ...draftBody(), pending_photos: pending }),
    });
    const body = await r.json();
    if (!r.ok) throw new Error(body?.error?.message || String(r.status));
    return body;
  }
  async function preview() {
    const score = document.getElementById("running-score");
    const redLines = document.getElementById("red-lines");
    try {
      const body = await check();
      score.textContent = body.rate !== null ? (body.rate * 100).toFixed(1) + "%" : "—";
      score.title = "";
      redLines.replaceChildren(...body.red_lines.map((r) => Object.assign(document.createElement("p"), { textContent: r.message })));
      redLines.hidden = !body.red_lines.length;
      for (const f of items) f.classList.toggle("red-line", body.red_lines.some((r) => r.item === f.dataset.code));
      mark(body.problems.filter((p) => p.item && !body.required_missing.includes(p.item)));
    } catch (_) {
      score.textContent = "—";
      score.title = messages.preview_offline;
    }
  }
  // Marks the items with problems and says what is wrong under each.
  function mark(problems) {
    for (const f of items) {
      const mine = problems.filter((p) => p.item === f.dataset.code);
      f.classList.toggle("invalid", mine.length > 0);
      let note = f.querySelector("p.item-problem");
      if (!mine.length) {
        note?.remove();
        continue;
      }
      if (!note) {
        note = Object.assign(document.createElement("p"), { className: "item-problem" });
        f.querySelector(".answers").after(note);
      }
      note.textContent = mine.map((p) => p.message).join(";");
    }
  }

  // Every item needs an explicit answer (不适用 too, where allowed).
  const unanswered = (f) => (visit.answers[f.dataset.code] ?? "") === "";
  const missing = () => items.filter(unanswered);
  function progress() {
    document.getElementById("progress-count").textContent = items.length - missing().length;
    document.getElementById("progress-total").textContent = items.length;
    for (const f of items) {
      f.classList.toggle("unanswered", unanswered(f));
      if (!unanswered(f)) f.classList.remove("listed");
    }
  }

  function render() {
    showHall();
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
      t.classList.remove("invalid");
    } else if (t.id === "visited-at") {
      visit.visited_at = t.value;
      t.classList.remove("invalid");
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
  // Taps in the queue's order only: 叫号 after 取号, 办结 after 叫号.
  const stopwatchMessage = document.getElementById("stopwatch-message");
  document.getElementById("stopwatch").addEventListener("click", (event) => {
    const button = event.target.closest("[data-stopwatch]");
    if (!button) return;
    const s = (visit.stopwatch = visit.stopwatch || {});
    const step = button.dataset.stopwatch;
    const refused = (step === "call" && !s.take) ? messages.stopwatch_take_first
      : (step === "done" && !s.call) ? messages.stopwatch_call_first : "";
    stopwatchMessage.textContent = refused;
    stopwatchMessage.hidden = !refused;
    if (refused) return;
    if (step === "reset") {
      if (!confirm(messages.stopwatch_reset_confirm)) return;
      visit.stopwatch = {};
    } else s[step] = Date.now();
    if (step === "call") fill(1, s.take, s.call);
    if (step === "done") fill(2, s.call, s.done);
    stopwatchText();
    save();
  });

  // When a JPEG was taken (its EXIF DateTimeOriginal, as local
  // "YYYY-MM-DDTHH:MM:SS"), read before resizing drops EXIF; null when
  // the file does not say.
  async function takenAt(file) {
    try {
      const view = new DataView(await file.slice(0, 128 * 1024).arrayBuffer());
      if (view.getUint16(0) !== 0xffd8) return null;
      let at = 2;
      while (at + 4 <= view.byteLength && view.getUint8(at) === 0xff) {
        const marker = view.getUint8(at + 1);
        const length = view.getUint16(at + 2);
        if (marker === 0xe1 && view.getUint32(at + 4) === 0x45786966) return exifTime(view, at + 10);
        if (marker === 0xda) return null;
        at += 2 + length;
      }
    } catch (_) {}
    return null;
  }
  function exifTime(view, tiff) {
    const little = view.getUint16(tiff) === 0x4949;
    const u16 = (at) => view.getUint16(tiff + at, little);
    const u32 = (at) => view.getUint32(tiff + at, little);
    const find = (ifd, tag) => {
      for (let i = 0; i < u16(ifd); i++) {
        const entry = ifd + 2 + i * 12;
        if (u16(entry) === tag) return entry;
      }
      return null;
    };
    const pointer = find(u32(4), 0x8769);
    const entry = pointer === null ? null : find(u32(pointer + 8), 0x9003);
    if (entry === null) return null;
    const start = tiff + u32(entry + 8);
    const text = String.fromCharCode(...new Uint8Array(view.buffer, start, 19));
    const m = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(text);
    return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}` : null;
  }

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
      const taken_at = await takenAt(file);
      let blob;
      try { blob = await resize(file); } catch (_) { blob = file; }
      await Hallscore.putPhoto({ id: newId(), visit: id, item: input.dataset.item, blob, taken_at, uploaded: false });
    }
    input.value = "";
    thumbs();
    save();
  });

  // Review, then submit. The server's own check lists the problems; with
  // no connection, what this device can tell (unanswered items, photos,
  // notes) and the server checks again when the visit arrives.
  const review = document.getElementById("review");
  const title = (code) => {
    const f = items.find((x) => x.dataset.code === code);
    return f ? `${code} ${f.querySelector(".title").textContent}` : code;
  };
  async function localProblems() {
    const out = missing().map((f) => ({ item: f.dataset.code, message: title(f.dataset.code) }));
    const minPhotos = Number(form.dataset.minPhotos || 0);
    const photos = (await Hallscore.photosOf(id)).length;
    if (photos < minPhotos) out.push({ message: `${messages.min_photos} ${minPhotos}(${photos})` });
    const minChars = Number(form.dataset.commentMin || 0);
    const chars = [...(visit.notes || "").trim()].length;
    if (chars < minChars) out.push({ field: "notes", message: `${messages.comment_rule} ${minChars}(${chars})` });
    return { problems: out, required_missing: missing().map((f) => f.dataset.code) };
  }
  // Lists the problems in the review: unanswered items by title, then the
  // rest; marks their items.
  function showProblems(problems, missingCodes) {
    const box = document.getElementById("review-problems");
    box.replaceChildren();
    const open = problems.filter((p) => missingCodes.includes(p.item));
    const other = problems.filter((p) => !missingCodes.includes(p.item));
    if (open.length) {
      box.append(Object.assign(document.createElement("h3"), { textContent: `${messages.unanswered}(${open.length})` }));
      const ul = document.createElement("ul");
      ul.className = "unanswered-list";
      for (const p of open) ul.append(Object.assign(document.createElement("li"), { textContent: title(p.item) }));
      box.append(ul);
    }
    if (other.length) {
      box.append(Object.assign(document.createElement("h3"), { textContent: messages.fix_before_submit }));
      const ul = document.createElement("ul");
      for (const p of other) ul.append(Object.assign(document.createElement("li"), { textContent: p.message }));
      box.append(ul);
    }
    box.hidden = !problems.length;
    mark(problems.filter((p) => p.item && !missingCodes.includes(p.item)));
    for (const f of items) f.classList.toggle("listed", open.some((p) => p.item === f.dataset.code));
    for (const [field, el] of [["visited_at", "visited-at"], ["notes", "notes"]]) {
      document.getElementById(el).classList.toggle("invalid", problems.some((p) => p.field === field));
    }
    return form.querySelector(".invalid, fieldset.item.listed");
  }
  async function problems() {
    let found;
    try {
      found = await check();
    } catch (_) {
      found = await localProblems();
    }
    return found;
  }
  document.getElementById("to-review").addEventListener("click", async () => {
    const body = document.getElementById("review-body");
    body.replaceChildren();
    for (const section of form.querySelectorAll("section.section")) {
      const done = [...section.querySelectorAll("fieldset.item")].filter((f) => !unanswered(f)).length;
      const total = section.querySelectorAll("fieldset.item").length;
      body.append(Object.assign(document.createElement("p"), { textContent: `${section.querySelector("h2").textContent}:${done} / ${total}` }));
    }
    const found = await problems();
    const first = showProblems(found.problems, found.required_missing);
    document.getElementById("submit").disabled = found.problems.length > 0;
    review.hidden = false;
    review.scrollIntoView({ behavior: "smooth" });
    if (first) first.scrollIntoView({ behavior: "smooth", block: "center" });
  });
  document.getElementById("back-to-form").addEventListener("click", () => { review.hidden = true; });

  // Discarding removes the visit from this device (answers and photos) and
  // the server's draft.
  document.getElementById("discard").addEventListener("click", async () => {
    if (!confirm(messages.discard_confirm)) return;
    await Hallscore.discard(id);
    location.href = "/inspect";
  });

  // What became of this visit in a flush of the queue: shown, still
  // queued, or refused (back to the form, with what to fix marked).
  function outcome(results) {
    const mine = results.find((r) => r.visit.id === id);
    if (mine && mine.ok) {
      location.href = "/visits/" + id;
    } else if (!mine || mine.offline) {
      if (visit.status === "queued") state.textContent = messages.queued;
    } else if (mine.status === 401) {
      Hallscore.banner(messages.session_expired, "offline");
      state.textContent = messages.queued;
    } else {
      visit = Hallscore.load(id) || visit;
      const error = mine.body?.error;
      state.textContent = messages.submit_failed;
      state.classList.add("failed");
      Hallscore.banner(`${messages.submit_failed_fix}:${error?.message || mine.status}`, "error");
      const list = error?.problems || (error?.field ? [{ item: error.field.replace(/^answers\./, ""), message: error.message }] : []);
      const first = showProblems(list, missing().map((f) => f.dataset.code));
      review.hidden = true;
      (first || form).scrollIntoView({ behavior: "smooth", block: "center" });
    }
  }
  async function submit() {
    if ((await problems()).problems.length) return;
    visit.status = "queued";
    delete visit.error;
    Hallscore.store(visit);
    state.textContent = messages.submitting;
    const results = await Hallscore.flush(messages);
    if (results.some((r) => r.visit.id === id && r.offline) || !results.some((r) => r.visit.id === id)) {
      Hallscore.banner(messages.offline, "offline");
    }
    outcome(results);
  }
  document.getElementById("submit").addEventListener("click", submit);
  // A queued visit goes as soon as the connection is back.
  window.addEventListener("online", async () => {
    Hallscore.banner("");
    if (visit.status === "queued") outcome(await Hallscore.flush(messages));
  });
  window.addEventListener("offline", () => Hallscore.banner(messages.offline, "offline"));
  setInterval(async () => {
    if (visit.status === "queued" && navigator.onLine) outcome(await Hallscore.flush(messages));
  }, 15000);

  // A draft opened on another device: take the server's copy.
  if (!Hallscore.load(id) && params.get("id") && !returned) {
    fetch("/api/v1/drafts/" + id).then((r) => (r.ok ? r.json() : null)).then((draft) => {
      if (draft && draft.id === id) {
        visit = { ...visit, ...draft };
        render();
        Hallscore.store(visit);
      }
    }).catch(() => {});
  }
  if (visit.status === "queued") state.textContent = messages.queued;
  if (visit.error) Hallscore.banner(`${messages.submit_failed_fix}:${visit.error}`, "error");
  render();
});
