/* The year × category chart of a vendor, buyer or place page, from its JSON data island. */
(function () {
  "use strict";
  var el = document.getElementById("profile-chart");
  var src = el && document.getElementById(el.getAttribute("data-source"));
  if (!el || !src || !window.echarts) { return; }
  var rows = JSON.parse(src.textContent || "[]");
  var years = [], cats = [], cell = {};
  rows.forEach(function (r) {
    var y = r.year === null ? "?" : String(r.year);
    if (years.indexOf(y) < 0) { years.push(y); }
    if (cats.indexOf(r.category) < 0) { cats.push(r.category); }
    cell[y + "|" + r.category] = r.procurements;
  });
  years.sort();
  var chart = echarts.init(el, null, {renderer: "canvas"});
  chart.setOption({
    tooltip: {trigger: "axis", renderMode: "richText"},
    legend: {type: "scroll", top: 0},
    grid: {top: 40, left: 50, right: 20, bottom: 30},
    xAxis: {type: "category", data: years},
    yAxis: {type: "value", name: "procurements"},
    series: cats.map(function (k) {
      return {name: k, type: "bar", stack: "all", data: years.map(function (y) { return cell[y + "|" + k] || 0; })};
    })
  });
  el.setAttribute("data-rendered", String(rows.length));
})();
