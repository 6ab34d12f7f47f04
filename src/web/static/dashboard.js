// Dashboard tables: click a header (or press Enter on it) to sort by it,
// numbers as numbers; the header says its order (aria-sort and an arrow).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll("table.sortable")) {
    const headers = [...table.tHead.rows[0].cells];
    headers.forEach((th, column) => {
      th.tabIndex = 0;
      th.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          th.click();
        }
      });
      th.addEventListener("click", () => {
        const body = table.tBodies[0];
        const ascending = th.dataset.sort !== "asc";
        headers.forEach((h) => {
          delete h.dataset.sort;
          h.removeAttribute("aria-sort");
        });
        th.dataset.sort = ascending ? "asc" : "desc";
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const key = (row) => {
          const cell = row.cells[column];
          const raw = cell.dataset.value ?? cell.textContent.trim();
          const n = Number(raw);
          return raw !== "" && !Number.isNaN(n) ? n : raw;
        };
        const rows = [...body.rows].sort((a, b) => {
          const x = key(a), y = key(b);
          if (x === y) return 0;
          if (x === "" || x === "—") return 1;
          if (y === "" || y === "—") return -1;
          const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "zh");
          return ascending ? order : -order;
        });
        body.append(...rows);
      });
    });
  }
});

// The appeal form of a visit: the answer asked for is chosen among the
// item's valid answers (a list), or typed as a number within its bounds.
document.addEventListener("DOMContentLoaded", () => {
  const item = document.querySelector("#appeal select[name=item]");
  if (!item) return;
  const swap = () => {
    const option = item.options[item.selectedIndex];
    const old = item.form.querySelector("[name=requested]");
    const valid = option.dataset.valid ? option.dataset.valid.split("|") : [];
    let control;
    if (valid.length) {
      control = document.createElement("select");
      for (const answer of valid.filter((a) => a !== option.dataset.current)) {
        control.append(new Option(answer, answer));
      }
    } else {
      control = document.createElement("input");
      control.type = "number";
      control.step = "any";
      if (option.dataset.min) control.min = option.dataset.min;
      if (option.dataset.max) control.max = option.dataset.max;
    }
    control.name = "requested";
    control.required = true;
    old.replaceWith(control);
  };
  item.addEventListener("change", swap);
  swap();
});

// Accepting an appeal changes a stored answer and the scores: asked first.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

// The switch to adjusted rates shows the ranking at once.
document.addEventListener("change", (event) => {
  if (event.target.matches("input[data-submit]")) event.target.form.requestSubmit();
});

// A funnel point's text, for fingers as well as mice: a tap (or a click)
// picks the nearest point within a finger's width, and focusing a point
// picks it; its hall, visits and rate are written under the plot.
document.addEventListener("DOMContentLoaded", () => {
  const readout = document.getElementById("funnel-readout");
  const svg = document.querySelector("svg.funnel");
  if (!readout || !svg) return;
  const points = [...svg.querySelectorAll(".point")];
  const show = (point) => {
    for (const p of points) p.classList.remove("picked");
    point.classList.add("picked");
    readout.textContent = point.querySelector("title").textContent;
  };
  svg.addEventListener("click", (event) => {
    let nearest = null;
    let distance = 24;
    for (const point of points) {
      const box = point.getBoundingClientRect();
      const d = Math.hypot(event.clientX - (box.left + box.width / 2), event.clientY - (box.top + box.height / 2));
      if (d < distance) {
        nearest = point;
        distance = d;
      }
    }
    if (nearest) show(nearest);
  });
  for (const point of points) point.addEventListener("focus", () => show(point));
});
