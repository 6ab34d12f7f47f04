// Dashboard tables: click a header to sort by it (numbers as numbers).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll("table.sortable")) {
    const headers = [...table.tHead.rows[0].cells];
    headers.forEach((th, column) => {
      th.tabIndex = 0;
      th.addEventListener("click", () => {
        const body = table.tBodies[0];
        const ascending = th.dataset.sort !== "asc";
        headers.forEach((h) => delete h.dataset.sort);
        th.dataset.sort = ascending ? "asc" : "desc";
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
