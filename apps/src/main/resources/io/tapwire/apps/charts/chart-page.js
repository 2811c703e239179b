// Draws window.tapwireCharts with uPlot: "bars" (groups of bars per category) and "lines".
// After drawing, body[data-charts-drawn] holds the number of charts drawn and each chart's
// element its data points in data-points, so a headless browser can check the page.
(function () {
  const root = document.getElementById("charts");
  let drawn = 0;
  for (const c of window.tapwireCharts) {
    const box = document.createElement("div");
    box.className = "chart";
    const h = document.createElement("h2");
    h.textContent = c.title;
    box.appendChild(h);
    root.appendChild(box);
    const width = Math.min(1000, Math.max(480, window.innerWidth - 60));
    let opts, data, points = 0;
    if (c.kind === "bars") {
      // One slot per bar and an empty slot between groups; each series has values only in its slots.
      const n = c.series.length, slots = c.categories.length * (n + 1);
      const x = Array.from({length: slots}, (_, i) => i);
      data = [x];
      c.series.forEach((s, k) => {
        const y = new Array(slots).fill(null);
        s.values.forEach((v, i) => { y[i * (n + 1) + k] = v; if (v !== null) points++; });
        data.push(y);
      });
      const bars = uPlot.paths.bars({size: [0.9, 80]});
      opts = {
        width, height: 320,
        scales: {x: {time: false, range: [-1, slots - 1]}, y: {range: (u, min, max) => [0, max * 1.1 || 1]}},
        axes: [
          {splits: () => c.categories.map((_, i) => i * (n + 1) + (n - 1) / 2),
           values: (u, splits) => splits.map(v => c.categories[Math.round((v - (n - 1) / 2) / (n + 1))] || "")},
          {label: c.y}
        ],
        series: [{}].concat(c.series.map(s => ({label: s.label, stroke: s.colour, fill: s.colour + "99", paths: bars,
                                                  points: {show: false}})))
      };
    } else {
      data = [c.x].concat(c.series.map(s => s.values));
      c.series.forEach(s => s.values.forEach(v => { if (v !== null) points++; }));
      opts = {
        width, height: 320,
        scales: {x: {time: false}},
        axes: [{label: c.xLabel}, {label: c.y}],
        series: [{label: c.xLabel}].concat(c.series.map(s => ({label: s.label, stroke: s.colour, width: 1.5,
                                                                 points: {show: c.x.length < 60}})))
      };
    }
    new uPlot(opts, data, box);
    box.dataset.points = String(points);
    drawn++;
  }
  document.body.dataset.chartsDrawn = String(drawn);
})();
