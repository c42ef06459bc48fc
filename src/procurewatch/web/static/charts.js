/* What every chart shares: the category palette (one colour per category id, from the page's
   data-palette attribute), compact numbers (7.2 bn), "no data", links to the procurement list,
   and the year × category option (grouped bars: categories overlap, so they are never stacked;
   every year from the first to the last on the axis, empty years 0). */
(function () {
  "use strict";
  var palette = {};
  try { palette = JSON.parse(document.body.getAttribute("data-palette") || "{}"); } catch (e) { palette = {}; }
  var NONE = "(none)";

  function colour(category) { return palette[category || NONE] || palette[NONE] || "#9aa3ad"; }

  function compact(n) {
    if (n === null || n === undefined || isNaN(n)) { return ""; }
    var a = Math.abs(n), units = [[1e12, " tn"], [1e9, " bn"], [1e6, " m"], [1e3, " k"]];
    for (var i = 0; i < units.length; i++) {
      if (a >= units[i][0]) {
        var v = n / units[i][0];
        return (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1).replace(/\.0$/, "")) + units[i][1];
      }
    }
    return String(Math.round(n * 100) / 100);
  }

  /* The procurement list for `base` (a query string) with `changes` set (null removes a key). */
  function listUrl(base, changes) {
    var p = new URLSearchParams(base || "");
    p.delete("q");
    p.delete("page");
    Object.keys(changes).forEach(function (k) {
      p.delete(k);
      if (changes[k] !== null && changes[k] !== undefined && changes[k] !== "") { p.append(k, String(changes[k])); }
    });
    return "/procurements?" + p.toString();
  }

  /* Replace the chart with a plain "no data" message; true when there was nothing to draw. */
  function noData(el, n) {
    if (n > 0) { return false; }
    var inst = window.echarts && echarts.getInstanceByDom(el);
    if (inst) { inst.dispose(); }
    el.textContent = "";
    var p = document.createElement("p");
    p.className = "nodata";
    p.textContent = "No data for these filters.";
    el.appendChild(p);
    el.setAttribute("data-rendered", "0");
    el.setAttribute("data-empty", "1");
    return true;
  }

  /* Resolves once `el` has a width and a height. ECharts lays a map out from its box, and a map set
     into a box of no size throws; a box can be empty for a moment while the page is still being laid
     out. Afterwards the chart in `el` follows its box's size. */
  function whenSized(el) {
    return new Promise(function (resolve) {
      var resolved = false;
      function check() {
        if (!el.clientWidth || !el.clientHeight) { return; }
        var inst = window.echarts && echarts.getInstanceByDom(el);
        if (inst) { inst.resize(); }
        if (!resolved) { resolved = true; resolve(); }
      }
      if (window.ResizeObserver) { new ResizeObserver(check).observe(el); }
      check();
    });
  }

  /* {years, categories, cell, undated}: rows are one per (year, category, currency); procurements
     of one cell are added up across currencies (each procurement has one currency). */
  function yearCategoryCells(rows) {
    var cats = [], cell = {}, first = null, last = null, undated = {};
    rows.forEach(function (r) {
      var k = r.category || NONE, n = r.procurements || 0;
      if (r.year === null || r.year === undefined) { undated[k] = (undated[k] || 0) + n; return; }
      if (cats.indexOf(k) < 0) { cats.push(k); }
      first = first === null ? r.year : Math.min(first, r.year);
      last = last === null ? r.year : Math.max(last, r.year);
      cell[r.year + "|" + k] = (cell[r.year + "|" + k] || 0) + n;
    });
    var order = Object.keys(palette);
    cats.sort(function (a, b) { return order.indexOf(a) - order.indexOf(b); });
    var years = [];
    for (var y = first; first !== null && y <= last; y++) { years.push(String(y)); }
    return {years: years, categories: cats, cell: cell, undated: undated};
  }

  function yearCategoryOption(rows) {
    var d = yearCategoryCells(rows);
    return {
      _cells: d,
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}, renderMode: "richText",
                valueFormatter: function (v) { return compact(v); }},
      legend: {type: "scroll", top: 0},
      grid: {top: 48, left: 10, right: 20, bottom: 10, containLabel: true},
      xAxis: {type: "category", data: d.years, axisLabel: {hideOverlap: true}},
      yAxis: {type: "value", minInterval: 1, axisLabel: {formatter: compact}},
      series: d.categories.map(function (k) {
        return {name: k, type: "bar", barMaxWidth: 28, itemStyle: {color: colour(k)}, cursor: "pointer",
                data: d.years.map(function (y) { return d.cell[y + "|" + k] || 0; })};
      })
    };
  }

  /* Draw the year × category chart in `el`; clicking a bar opens its procurements. */
  function drawYearCategory(el, rows, base) {
    var opt = yearCategoryOption(rows);
    if (noData(el, opt._cells.years.length)) { return null; }
    var chart = echarts.getInstanceByDom(el) || echarts.init(el, null, {renderer: "canvas"});
    delete opt._cells;
    el.removeAttribute("data-ready");
    chart.off("finished");
    chart.on("finished", function () { chart.off("finished"); el.setAttribute("data-ready", "1"); });
    chart.setOption(opt, true);
    chart.off("click");
    chart.on("click", function (p) {
      if (p.componentType !== "series" || !p.value) { return; }
      var none = p.seriesName === NONE;
      window.location.href = listUrl(base, {year: p.name, category: none ? null : p.seriesName,
                                            uncategorised: none ? "1" : null});
    });
    el.setAttribute("data-rendered", String(rows.length));
    return chart;
  }

  window.pw = {palette: palette, colour: colour, compact: compact, listUrl: listUrl, noData: noData,
               yearCategoryCells: yearCategoryCells, yearCategoryOption: yearCategoryOption,
               drawYearCategory: drawYearCategory, whenSized: whenSized};
})();
