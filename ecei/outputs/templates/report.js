// ecei-watch report: draw the charts and make the tables sortable and filterable. No network.
(function () {
  "use strict";

  function drawCharts() {
    document.querySelectorAll('script[type="application/json"][data-chart]').forEach(function (holder) {
      var spec = JSON.parse(holder.textContent);
      var target = document.getElementById(holder.dataset.chart);
      Plotly.newPlot(target, spec.data, spec.layout, {displaylogo: false, responsive: true});
    });
  }

  function cellKey(row, index, type) {
    var cell = row.cells[index];
    var value = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    if (type === "number") {
      return value === "" ? Number.NEGATIVE_INFINITY : Number(value);
    }
    return value;
  }

  function sortBy(table, header, index) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var descending = header.getAttribute("aria-sort") === "ascending";
    var type = header.dataset.type || "text";
    table.querySelectorAll("th[aria-sort]").forEach(function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", descending ? "descending" : "ascending");
    rows.sort(function (a, b) {
      var x = cellKey(a, index, type);
      var y = cellKey(b, index, type);
      var order = type === "number" ? x - y : String(x).localeCompare(String(y), undefined, {sensitivity: "base"});
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function makeSortable(table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
      var button = header.querySelector("button");
      if (button) {
        button.addEventListener("click", function () { sortBy(table, header, index); });
      }
    });
  }

  function makeFilter(input) {
    var table = document.getElementById(input.dataset.filters);
    var count = document.getElementById(input.dataset.count);
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var text = row.textContent.toLowerCase();
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      if (count) { count.textContent = String(shown); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable").forEach(makeSortable);
    document.querySelectorAll("input[data-filters]").forEach(makeFilter);
    drawCharts();
  });
})();
