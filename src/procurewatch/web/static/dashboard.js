/* Dashboard charts and maps. Data comes from /api/dashboard/<chart>; boundaries from /static/geo.
   Every bar and map region opens the procurements behind it (/procurements, with the dashboard's
   filters and the element's keys), so the list's total is the figure clicked.
   Tooltips use ECharts' richText mode (drawn on the canvas), so no notice string becomes HTML. */
(function () {
  "use strict";
  var dash = document.getElementById("dash");
  if (!dash || !window.echarts || !window.pw) { return; }
  var pw = window.pw;
  var qs = dash.getAttribute("data-qs") || "";
  var linkQs = dash.getAttribute("data-link-qs") || "";

  function api(chart, extra) {
    var url = "/api/dashboard/" + chart + "?" + qs + (extra ? "&" + extra : "");
    return fetch(url, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error(chart + ": HTTP " + r.status); }
      return r.json();
    }).then(function (d) { return d.rows; });
  }
  function geo(path) {
    return fetch("/static/geo/" + path, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error(path + ": HTTP " + r.status); }
      return r.json();
    });
  }
  function sumBy(rows, key) {
    var out = {};
    rows.forEach(function (r) {
      var k = r[key];
      if (k === null || k === undefined) { return; }
      out[k] = (out[k] || 0) + (r.procurements || 0);
    });
    return out;
  }
  /* data-rendered: how many elements were drawn; data-ready: the view name once its drawing and
     animation have finished (ECharts' "finished"), so a click lands on what is shown. */
  function mark(el, n, chart, view) {
    el.removeAttribute("data-ready");
    el.setAttribute("data-rendered", String(n));
    if (chart) {
      chart.off("finished");
      chart.on("finished", function () {
        chart.off("finished");
        el.setAttribute("data-ready", view || "1");
      });
    }
  }
  function chartIn(id) {
    var el = document.getElementById(id);
    return el ? {el: el, chart: echarts.init(el, null, {renderer: "canvas"})} : null;
  }
  function fail(el, e) {
    el.textContent = "Could not draw this chart: " + String(e);
    if (window.console) { console.error(e); }  /* never silent: the browser tests fail on it */
  }
  function go(url) { window.location.href = url; }
  /* a map's numbers: the figure of each region, whose click opens its procurements */
  function mapOption(mapName, data, colours, labels, title) {
    var max = Math.max.apply(null, [1].concat(data.map(function (d) { return d.value; })));
    return {
      title: {text: title || "", left: "center", textStyle: {fontSize: 14}},
      tooltip: {trigger: "item", renderMode: "richText", formatter: function (p) {
        var v = isNaN(p.value) ? 0 : p.value;
        return (labels[p.name] || p.name) + ": " + pw.compact(v) + " procurement" + (v === 1 ? "" : "s");
      }},
      visualMap: {min: 0, max: max, left: 10, bottom: 10, calculable: true, text: [pw.compact(max), "0"],
                  formatter: pw.compact, inRange: {color: colours}},
      series: [{type: "map", map: mapName, nameProperty: mapName === "world" ? "name" : "code", roam: true,
                data: data, emphasis: {label: {show: true}}, label: {show: false}, selectedMode: false}]
    };
  }

  function yearCategory() {
    var el = document.getElementById("chart-year");
    if (!el) { return; }
    Promise.all([api("year_category"), pw.whenSized(el)]).then(function (res) {
      var rows = res[0];
      pw.drawYearCategory(el, rows, linkQs);
      var undated = document.getElementById("chart-year-undated");
      if (undated && Object.keys(pw.yearCategoryCells(rows).undated).length) {
        undated.hidden = false;
        undated.textContent = "Procurements without a date are not on the time axis: see the rows marked " +
          "\u201cno date\u201d in the table below.";
      }
    }).catch(function (e) { fail(el, e); });
  }

  function chinaMap() {
    var c = chartIn("map-china");
    if (!c) { return; }
    var back = document.getElementById("map-back");
    var open = document.getElementById("map-open");
    var provinceNames = {}, provinceValues = {}, labels = {}, current = null;
    function remember(json) {
      json.features.forEach(function (f) { labels[f.properties.code] = f.properties.name; });
    }
    var wanted = 0;  /* the latest view asked for: an answer to an older request is dropped */
    function draw(mapName, values, title, view) {
      var data = Object.keys(values).map(function (code) { return {name: code, value: values[code]}; });
      c.el.removeAttribute("data-ready");
      mark(c.el, data.length, c.chart, view);
      c.chart.setOption(mapOption(mapName, data, ["#fde9e7", "#b3261e"], labels, title), true);
    }
    function showOpen(province) {
      if (!open) { return; }
      if (!province) { open.hidden = true; return; }
      var n = provinceValues[province] || 0;
      open.href = pw.listUrl(linkQs, {country: "CN", province: province, region: null});
      open.textContent = "Open the " + n + " procurement" + (n === 1 ? "" : "s") + " in " + province;
      open.hidden = false;
    }
    function showChina() {
      var request = ++wanted;
      Promise.all([geo("china.json"), api("province"), pw.whenSized(c.el)]).then(function (res) {
        if (request !== wanted) { return; }
        remember(res[0]);
        echarts.registerMap("china", res[0]);
        var values = {};
        res[1].forEach(function (r) {  /* only Chinese provinces of the gazetteer are on this map */
          if (r.country !== "CN" || !/^\d{2}0000$/.test(r.admin_code || "")) { return; }
          provinceNames[r.admin_code] = r.province;
          provinceValues[r.province] = (provinceValues[r.province] || 0) + (r.procurements || 0);
          values[r.admin_code] = (values[r.admin_code] || 0) + (r.procurements || 0);
        });
        current = null;
        if (pw.noData(c.el, Object.keys(values).length)) { return; }
        draw("china", values, "", "china");
        if (back) { back.hidden = true; }
        showOpen(null);
      }).catch(function (e) { fail(c.el, e); });
    }
    c.chart.on("click", function (p) {
      var code = p.name;
      if (current) {  /* a prefecture: its procurements */
        var city = labels[code];
        if (city && p.value) { go(pw.listUrl(linkQs, {country: "CN", province: current, city: city, region: null})); }
        return;
      }
      if (!/^\d{2}0000$/.test(code) || !provinceNames[code]) { return; }
      var province = provinceNames[code], request = ++wanted;
      /* a province without prefecture boundaries (a municipality): its procurements open instead */
      var boundaries = geo("province/" + code + ".json").then(null, function () { return null; });
      Promise.all([boundaries, api("prefecture", "province_name=" + encodeURIComponent(province))]).then(function (res) {
        if (request !== wanted) { return; }
        if (!res[0]) { go(pw.listUrl(linkQs, {country: "CN", province: province, region: null})); return; }
        remember(res[0]);
        echarts.registerMap("p" + code, res[0]);
        var values = {};
        res[1].forEach(function (r) {
          if (r.admin_code) { values[r.admin_code] = (values[r.admin_code] || 0) + (r.procurements || 0); }
          if (r.admin_code && r.city) { labels[r.admin_code] = r.city; }
        });
        current = province;
        draw("p" + code, values, province, code);
        if (back) { back.hidden = false; }
        showOpen(province);
      }).catch(function (e) { fail(c.el, e); });
    });
    if (back) { back.addEventListener("click", showChina); }
    showChina();
  }

  function worldMap() {
    var c = chartIn("map-world");
    if (!c) { return; }
    Promise.all([geo("world.json"), api("country"), pw.whenSized(c.el)]).then(function (res) {
      var labels = {};
      res[0].features.forEach(function (f) { labels[f.properties.name] = f.properties.label; });
      echarts.registerMap("world", res[0]);
      var values = sumBy(res[1], "country");
      var data = Object.keys(values).map(function (k) { return {name: k, value: values[k]}; });
      if (pw.noData(c.el, data.length)) { return; }
      mark(c.el, data.length, c.chart, "world");
      c.chart.setOption(mapOption("world", data, ["#e7eefd", "#1a4fb3"], labels, ""));
      c.chart.on("click", function (p) {
        if (values[p.name]) { go(pw.listUrl(linkQs, {country: p.name, province: null, region: null})); }
      });
    }).catch(function (e) { fail(c.el, e); });
  }

  function ranking(id, chart, key, changes) {
    var c = chartIn(id);
    if (!c) { return; }
    Promise.all([api(chart), pw.whenSized(c.el)]).then(function (res) {
      var values = sumBy(res[0], key);
      var names = Object.keys(values).sort(function (a, b) { return values[a] - values[b]; });
      if (pw.noData(c.el, names.length)) { return; }
      mark(c.el, names.length, c.chart, id);
      c.chart.setOption({
        tooltip: {trigger: "item", renderMode: "richText"},
        grid: {left: 10, right: 40, top: 10, bottom: 20, containLabel: true},
        xAxis: {type: "value", minInterval: 1, axisLabel: {formatter: pw.compact}},
        yAxis: {type: "category", data: names, axisLabel: {width: 220, overflow: "truncate"}},
        series: [{type: "bar", cursor: "pointer", itemStyle: {color: "#4e79a7"},
                  label: {show: true, position: "right", formatter: function (p) { return pw.compact(p.value); }},
                  data: names.map(function (n) { return values[n]; })}]
      });
      c.chart.on("click", function (p) { go(pw.listUrl(linkQs, changes(p.name))); });
    }).catch(function (e) { fail(c.el, e); });
  }

  yearCategory();
  chinaMap();
  worldMap();
  ranking("chart-buyers", "buyers", "buyer", function (n) { return {buyer: n}; });
  ranking("chart-vendors", "vendors", "vendor", function (n) { return {vendor: n, role: "supplier"}; });
})();
