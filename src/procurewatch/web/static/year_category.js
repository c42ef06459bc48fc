/* The year × category stacked-bar option shared by the dashboard and the profile pages.
   Rows come one per (year, category, currency): procurements are added up across currencies. */
(function () {
  "use strict";
  window.pwYearCategoryOption = function (rows) {
    var years = [], cats = [], cell = {};
    rows.forEach(function (r) {
      var y = r.year === null ? "?" : String(r.year), k = r.category || "(none)";
      if (years.indexOf(y) < 0) { years.push(y); }
      if (cats.indexOf(k) < 0) { cats.push(k); }
      cell[y + "|" + k] = (cell[y + "|" + k] || 0) + (r.procurements || 0);
    });
    years.sort();
    return {
      tooltip: {trigger: "axis", renderMode: "richText"},
      legend: {type: "scroll", top: 0},
      grid: {top: 40, left: 50, right: 20, bottom: 30},
      xAxis: {type: "category", data: years},
      yAxis: {type: "value", name: "procurements"},
      series: cats.map(function (k) {
        return {name: k, type: "bar", stack: "all", data: years.map(function (y) { return cell[y + "|" + k] || 0; })};
      })
    };
  };
})();
