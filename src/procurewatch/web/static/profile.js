/* The year × category chart of a vendor, buyer or place page, from its JSON data island. */
(function () {
  "use strict";
  var el = document.getElementById("profile-chart");
  var src = el && document.getElementById(el.getAttribute("data-source"));
  if (!el || !src || !window.echarts || !window.pwYearCategoryOption) { return; }
  var rows = JSON.parse(src.textContent || "[]");
  echarts.init(el, null, {renderer: "canvas"}).setOption(window.pwYearCategoryOption(rows));
  el.setAttribute("data-rendered", String(rows.length));
})();
