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
