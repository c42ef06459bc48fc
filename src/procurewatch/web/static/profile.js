/* The year × category chart of a vendor, buyer or place page, from its JSON data island; a bar
   opens the page's procurements of that year and category. */
(function () {
  "use strict";
  var el = document.getElementById("profile-chart");
  var src = el && document.getElementById(el.getAttribute("data-source"));
  if (!el || !src || !window.echarts || !window.pw) { return; }
  var rows = JSON.parse(src.textContent || "[]");
  window.pw.drawYearCategory(el, rows, el.getAttribute("data-link-qs") || "");
})();
