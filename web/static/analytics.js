// openfast analytics page: the main chart (uPlot), keyboard shortcuts and
// the message of a panel whose request failed without an answer. Loaded
// as a file: the content security policy allows no inline script.
(function () {
  "use strict";

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  // drawCharts draws each chart host of root that has not been drawn.
  function drawCharts(root) {
    if (typeof uPlot === "undefined") return;
    root.querySelectorAll(".uplot-host[data-series]:not(.drawn)").forEach(function (host) {
      var d;
      try { d = JSON.parse(host.getAttribute("data-series")); } catch (e) { return; }
      host.classList.add("drawn");
      var xs = d.labels.map(function (_, i) { return i; });
      var line = css("--chart"), bars = css("--chart2"), muted = css("--muted"), grid = css("--line");
      var series = [
        { label: "Date", value: function (u, i) { return i == null ? "--" : d.labels[i]; } },
        { label: "Visitors", stroke: line, width: 2, scale: "v", points: { show: xs.length < 40 } },
        { label: "Revenue (" + d.currency + ")", stroke: bars, fill: bars + "66", scale: "r",
          paths: uPlot.paths.bars({ size: [0.6, 40] }), points: { show: false } }
      ];
      var data = [xs, d.visitors, d.revenue];
      if (d.compare) {
        series.push({ label: "Visitors, " + d.compareLabel.toLowerCase(), stroke: muted, width: 1.5, dash: [6, 4], scale: "v", points: { show: false } });
        data.push(d.compare);
      }
      var axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
      var opts = {
        width: host.clientWidth || 600,
        height: 260,
        series: series,
        scales: { x: { time: false }, v: { range: function (u, min, max) { return [0, Math.max(1, max)]; } },
          r: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
        axes: [
          Object.assign({}, axis, { values: function (u, vals) { return vals.map(function (i) { return d.labels[i] || ""; }); } }),
          Object.assign({}, axis, { scale: "v" }),
          Object.assign({}, axis, { scale: "r", side: 1, grid: { show: false } })
        ],
        legend: { show: true }
      };
      var plot = new uPlot(opts, data, host);
      var resize = new ResizeObserver(function () {
        if (host.clientWidth) plot.setSize({ width: host.clientWidth, height: 260 });
      });
      resize.observe(host);
      host.redraw = function () {
        resize.disconnect();
        plot.destroy();
        host.classList.remove("drawn");
      };
    });
  }

  document.addEventListener("htmx:after:swap", function () { drawCharts(document); });
  // The chart takes its colours from the light or dark theme.
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () {
    document.querySelectorAll(".uplot-host.drawn").forEach(function (host) { host.redraw(); });
    drawCharts(document);
  });
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });

  // A request that got no answer (timeout, network) leaves a message in
  // its panel instead of "Loading…" for ever. Answers with an error
  // status are swapped in by htmx: the server renders their message.
  document.addEventListener("htmx:error", function (e) {
    var ctx = e.detail && e.detail.ctx;
    var target = (ctx && ctx.target) || e.target;
    if (!target || !target.closest || !target.closest(".analytics")) return;
    var p = document.createElement("div");
    p.className = "panel-error";
    p.setAttribute("role", "alert");
    var late = e.detail.error === "timeout" || (e.detail.error && e.detail.error.name === "TimeoutError");
    p.textContent = "This panel did not load (" + (late ? "the server took too long" : "no answer from the server") + "). Reload the page to try again.";
    target.replaceChildren(p);
  });

  // One-key shortcuts: a link with data-key="t" is followed on "t";
  // Esc clears the filters. Keys typed into a field are left alone.
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var el = e.target;
    if (el && (el.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName))) return;
    var page = document.querySelector(".analytics");
    if (!page) return;
    if (e.key === "Escape") {
      var open = document.querySelector("details.menu[open]");
      if (open) { open.removeAttribute("open"); return; }
      var clear = page.getAttribute("data-clear-filters");
      if (clear) { e.preventDefault(); location.href = clear; }
      return;
    }
    if (!/^[A-Za-z0-9]+$/.test(e.key)) return;
    var link = page.querySelector('[data-key="' + e.key + '"]');
    if (link && link.href) {
      e.preventDefault();
      location.href = link.href;
    } else if (e.key === "c") {
      var custom = page.querySelector(".custom");
      if (custom) {
        custom.closest("details").setAttribute("open", "");
        custom.querySelector("input[type=date]").focus();
        e.preventDefault();
      }
    }
  });
})();
