/* The buyer–supplier network: nodes and edges from /api/network (names already masked by the
   server), drawn as an ECharts force graph; text goes to ECharts as data, never as HTML. */
(function () {
  "use strict";
  var el = document.getElementById("chart-network");
  if (!el || !window.echarts) { return; }
  fetch(el.getAttribute("data-source"), {credentials: "same-origin"})
    .then(function (r) { return r.json(); })
    .then(function (graph) {
      if (!graph.nodes || !graph.nodes.length) {
        el.textContent = graph.message || "No buyer–supplier pair in this selection.";
        return;
      }
      var degree = {};
      graph.edges.forEach(function (e) {
        degree[e.source] = (degree[e.source] || 0) + e.procurements;
        degree[e.target] = (degree[e.target] || 0) + e.procurements;
      });
      var chart = echarts.init(el);
      chart.setOption({
        tooltip: {formatter: function (p) {
          var t = p.dataType === "edge" ? p.data.value + " procurement(s)" : p.data.name;
          var d = document.createElement("div"); d.textContent = t; return d.innerHTML;
        }},
        legend: [{data: ["buyer", "supplier"]}],
        series: [{
          type: "graph", layout: "force", roam: true, draggable: true,
          categories: [{name: "buyer"}, {name: "supplier"}],
          force: {repulsion: 120, edgeLength: [40, 160]},
          label: {show: true, position: "right", fontSize: 10},
          data: graph.nodes.map(function (n) {
            return {id: n.id, name: n.name, category: n.role === "buyer" ? 0 : 1,
                    symbolSize: Math.min(40, 6 + 3 * Math.sqrt(degree[n.id] || 1))};
          }),
          links: graph.edges.map(function (e) {
            return {source: e.source, target: e.target, value: e.procurements,
                    lineStyle: {width: Math.min(8, 1 + Math.log(e.procurements))}};
          })
        }]
      });
      el.setAttribute("data-rendered", String(graph.nodes.length));
      chart.on("click", function (p) {
        if (p.dataType === "node") { window.location.href = "/org/" + encodeURIComponent(p.data.id); }
      });
      window.addEventListener("resize", function () { chart.resize(); });
    })
    .catch(function () { el.textContent = "The network could not be loaded."; });
})();
