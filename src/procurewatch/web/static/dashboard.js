/* Dashboard charts and maps. Data comes from /api/dashboard/<chart>; boundaries from /static/geo.
   Tooltips use ECharts' richText mode (drawn on the canvas), so no notice string becomes HTML. */
(function () {
  "use strict";
  var dash = document.getElementById("dash");
  if (!dash || !window.echarts) { return; }
  var qs = dash.getAttribute("data-qs") || "";

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
  function mark(el, n) { el.setAttribute("data-rendered", String(n)); }
  function chartIn(id) {
    var el = document.getElementById(id);
    return el ? {el: el, chart: echarts.init(el, null, {renderer: "canvas"})} : null;
  }
  var tooltip = {trigger: "item", renderMode: "richText"};

  function yearCategory() {
    var c = chartIn("chart-year");
    if (!c) { return; }
    api("year_category").then(function (rows) {
      c.chart.setOption(window.pwYearCategoryOption(rows));
      mark(c.el, rows.length);
    }).catch(function (e) { c.el.textContent = String(e); });
  }

  function chinaMap() {
    var c = chartIn("map-china");
    if (!c) { return; }
    var back = document.getElementById("map-back");
    var provinceNames = {};
    function draw(mapName, values, title) {
      var data = Object.keys(values).map(function (code) { return {name: code, value: values[code]}; });
      var max = Math.max.apply(null, [1].concat(data.map(function (d) { return d.value; })));
      c.chart.setOption({
        title: {text: title, left: "center", textStyle: {fontSize: 14}},
        tooltip: {trigger: "item", renderMode: "richText", formatter: function (p) {
          return (p.data && p.data.label || labels[p.name] || p.name) + ": " + (isNaN(p.value) ? 0 : p.value);
        }},
        visualMap: {min: 0, max: max, left: 10, bottom: 10, calculable: true, text: ["more", "0"],
                    inRange: {color: ["#fde9e7", "#b3261e"]}},
        series: [{type: "map", map: mapName, nameProperty: "code", roam: true, data: data,
                  emphasis: {label: {show: true}}, label: {show: false}}]
      }, true);
      mark(c.el, data.length);
    }
    var labels = {};
    function remember(json) {
      json.features.forEach(function (f) { labels[f.properties.code] = f.properties.name; });
    }
    function showChina() {
      Promise.all([geo("china.json"), api("province")]).then(function (res) {
        remember(res[0]);
        echarts.registerMap("china", res[0]);
        var values = {};
        res[1].forEach(function (r) {
          if (!r.admin_code) { return; }
          provinceNames[r.admin_code] = r.province;
          values[r.admin_code] = (values[r.admin_code] || 0) + (r.procurements || 0);
        });
        draw("china", values, "");
        if (back) { back.hidden = true; }
      }).catch(function (e) { c.el.textContent = String(e); });
    }
    c.chart.on("click", function (p) {
      var code = p.name;
      if (!/^\d{2}0000$/.test(code) || !provinceNames[code]) { return; }
      Promise.all([geo("province/" + code + ".json"),
                   api("prefecture", "province_name=" + encodeURIComponent(provinceNames[code]))]).then(function (res) {
        remember(res[0]);
        echarts.registerMap("p" + code, res[0]);
        var values = {};
        res[1].forEach(function (r) {
          if (r.admin_code) { values[r.admin_code] = (values[r.admin_code] || 0) + (r.procurements || 0); }
        });
        draw("p" + code, values, provinceNames[code]);
        if (back) { back.hidden = false; }
      }).catch(function () { /* no prefecture boundaries for this province (municipalities) */ });
    });
    if (back) { back.addEventListener("click", showChina); }
    showChina();
  }

  function worldMap() {
    var c = chartIn("map-world");
    if (!c) { return; }
    Promise.all([geo("world.json"), api("country")]).then(function (res) {
      var labels = {};
      res[0].features.forEach(function (f) { labels[f.properties.name] = f.properties.label; });
      echarts.registerMap("world", res[0]);
      var values = sumBy(res[1], "country");
      var data = Object.keys(values).map(function (k) { return {name: k, value: values[k]}; });
      var max = Math.max.apply(null, [1].concat(data.map(function (d) { return d.value; })));
      c.chart.setOption({
        tooltip: {trigger: "item", renderMode: "richText", formatter: function (p) {
          return (labels[p.name] || p.name) + ": " + (isNaN(p.value) ? 0 : p.value);
        }},
        visualMap: {min: 0, max: max, left: 10, bottom: 10, calculable: true, inRange: {color: ["#e7eefd", "#1a4fb3"]}},
        series: [{type: "map", map: "world", roam: true, data: data, label: {show: false}}]
      });
      c.chart.on("click", function (p) { if (values[p.name]) { window.location.href = "/place?country=" + encodeURIComponent(p.name); } });
      mark(c.el, data.length);
    }).catch(function (e) { c.el.textContent = String(e); });
  }

  function ranking(id, chart, key, link) {
    var c = chartIn(id);
    if (!c) { return; }
    api(chart).then(function (rows) {
      var values = sumBy(rows, key);
      var names = Object.keys(values).sort(function (a, b) { return values[a] - values[b]; });
      c.chart.setOption({
        tooltip: tooltip,
        grid: {left: 10, right: 30, top: 10, bottom: 20, containLabel: true},
        xAxis: {type: "value"},
        yAxis: {type: "category", data: names, axisLabel: {width: 220, overflow: "truncate"}},
        series: [{type: "bar", data: names.map(function (n) { return values[n]; })}]
      });
      c.chart.on("click", function (p) { window.location.href = link(p.name); });
      mark(c.el, names.length);
    }).catch(function (e) { c.el.textContent = String(e); });
  }

  yearCategory();
  chinaMap();
  worldMap();
  ranking("chart-buyers", "buyers", "buyer", function (n) { return "/buyer?name=" + encodeURIComponent(n); });
  ranking("chart-vendors", "vendors", "vendor", function (n) { return "/vendor/" + encodeURIComponent(n); });
  window.addEventListener("resize", function () {
    document.querySelectorAll(".chart").forEach(function (el) {
      var inst = echarts.getInstanceByDom(el);
      if (inst) { inst.resize(); }
    });
  });
})();
