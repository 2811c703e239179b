// The live dashboard: Server-Sent Events from /dashboard/events feed uPlot charts and the table.
// Every chart element carries its data points in data-points (for a headless browser's check),
// and window.tapwireDashboard holds the state.
(function () {
  "use strict";
  const KEEP = 2400;                 // points kept per series (10 minutes at 250 ms)
  const CA_COLOURS = {OPEN: "#2a7d2a", DISORDER: "#b8860b", CWR: "#8a2be2", RECOVERY: "#d2691e", LOSS: "#cc0000"};
  const state = {samples: 0, stack: {t: [], inMbps: [], outMbps: [], rxFps: [], txFps: [], dropsPs: []},
                 conns: {}, selected: null, latest: null};
  window.tapwireDashboard = state;
  const width = () => Math.max(420, Math.min(640, (window.innerWidth - 80) / 2));

  function push(arr, v) { arr.push(v); if (arr.length > KEEP) arr.shift(); }
  function fmt(v, d) { return v === null || v === undefined ? "-" : Number(v).toFixed(d); }
  function bytes(v) {
    if (v === null || v === undefined) return "inf";
    return v >= 1e9 ? (v / 1e9).toFixed(2) + " GB" : v >= 1e6 ? (v / 1e6).toFixed(2) + " MB"
         : v >= 1e3 ? (v / 1e3).toFixed(1) + " kB" : v + " B";
  }

  const throughput = new uPlot({
    width: width(), height: 240, scales: {x: {time: false}},
    axes: [{label: "s"}, {label: "Mbit/s"}],
    series: [{label: "t"}, {label: "in", stroke: "#1f77b4", width: 1.5}, {label: "out", stroke: "#d62728", width: 1.5}]
  }, [[], [], []], document.getElementById("throughput"));
  const frames = new uPlot({
    width: width(), height: 240, scales: {x: {time: false}},
    axes: [{label: "s"}, {label: "per second"}],
    series: [{label: "t"}, {label: "rx frames", stroke: "#1f77b4", width: 1.5},
             {label: "tx frames", stroke: "#2ca02c", width: 1.5}, {label: "drops", stroke: "#cc0000", width: 2}]
  }, [[], [], [], []], document.getElementById("frames"));

  // The CA state changes of the selected connection, as vertical lines with the new state's name.
  const caMarks = {
    hooks: {
      draw: [u => {
        const c = state.conns[state.selected];
        if (!c) return;
        const ctx = u.ctx;
        ctx.save();
        ctx.font = (10 * devicePixelRatio) + "px sans-serif";
        let lastLabel = -1e9;
        for (const e of c.events) {
          const x = u.valToPos(e.t, "x", true);
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.strokeStyle = CA_COLOURS[e.to] || "#000";
          ctx.fillStyle = ctx.strokeStyle;
          ctx.lineWidth = devicePixelRatio;
          ctx.setLineDash([4, 3]);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          if (x - lastLabel > 70 * devicePixelRatio) {  // names only where they do not overlap
            ctx.fillText(e.to, x + 2, u.bbox.top + 10 * devicePixelRatio);
            lastLabel = x;
          }
        }
        ctx.restore();
      }]
    }
  };
  let connChart = null;
  function makeConnChart() {
    const el = document.getElementById("connection");
    if (connChart) connChart.destroy();
    connChart = new uPlot({
      width: Math.max(640, Math.min(1300, window.innerWidth - 60)), height: 320, plugins: [caMarks],
      scales: {x: {time: false}, ms: {}},
      axes: [{label: "s"}, {label: "bytes", size: 70, values: (u, v) => v.map(bytes)},
             {scale: "ms", side: 1, label: "srtt ms", grid: {show: false}}],
      series: [{label: "t"}, {label: "cwnd", stroke: "#1f77b4", width: 1.5},
               {label: "ssthresh", stroke: "#ff7f0e", width: 1.5, dash: [6, 3]},
               {label: "in flight", stroke: "#2ca02c", width: 1},
               {label: "srtt", stroke: "#9467bd", width: 1.5, scale: "ms"}]
    }, connData(), el);
  }
  function connData() {
    const c = state.conns[state.selected];
    return c ? [c.t, c.cwnd, c.ssthresh, c.inflight, c.srtt] : [[], [], [], [], []];
  }
  function points(data) { let n = 0; for (let i = 1; i < data.length; i++) for (const v of data[i]) if (v !== null) n++; return n; }

  function onSample(s) {
    state.samples++;
    state.latest = s;
    const st = state.stack;
    push(st.t, s.t); push(st.inMbps, s.inMbps); push(st.outMbps, s.outMbps);
    push(st.rxFps, s.rxFps); push(st.txFps, s.txFps); push(st.dropsPs, s.dropsPs);
    for (const c of s.conns) {
      let h = state.conns[c.id];
      if (!h) h = state.conns[c.id] = {t: [], cwnd: [], ssthresh: [], inflight: [], srtt: [], events: []};
      push(h.t, s.t); push(h.cwnd, c.cwnd); push(h.ssthresh, c.ssthresh); push(h.inflight, c.inflight); push(h.srtt, c.srttMs);
      h.last = c;
    }
    for (const e of s.events) {
      const h = state.conns[e.id];
      if (h) h.events.push(e);
    }
    if (!state.selected || !s.conns.some(c => c.id === state.selected)) {
      if (s.conns.length > 0 && (!state.selected || !state.conns[state.selected] ||
          state.conns[state.selected].t[state.conns[state.selected].t.length - 1] < s.t - 5)) {
        select(s.conns[0].id);
      }
    }
    render(s);
  }

  function select(id) {
    state.selected = id;
    document.getElementById("selected").textContent = id;
    makeConnChart();
  }

  function render(s) {
    const st = state.stack;
    const tp = [st.t, st.inMbps, st.outMbps];
    throughput.setData(tp);
    document.getElementById("throughput").dataset.points = String(points(tp));
    const fr = [st.t, st.rxFps, st.txFps, st.dropsPs];
    frames.setData(fr);
    document.getElementById("frames").dataset.points = String(points(fr));
    if (connChart) {
      const d = connData();
      connChart.setData(d);
      document.getElementById("connection").dataset.points = String(points(d));
      const c = state.conns[state.selected];
      document.getElementById("connection").dataset.caEvents = String(c ? c.events.length : 0);
    }
    document.getElementById("count").textContent = "(" + s.connections + " open, " + s.conns.length + " shown; "
        + s.drops + " frames dropped in all)";
    const body = document.querySelector("#connections tbody");
    body.replaceChildren(...s.conns.map(c => {
      const tr = document.createElement("tr");
      if (c.id === state.selected) tr.className = "selected";
      const cells = [[c.id, "text"], [c.state, "text"], [c.ca, "text ca-" + c.ca], [c.cc, "text"], [bytes(c.cwnd)],
        [bytes(c.ssthresh)], [bytes(c.inflight)], [fmt(c.srttMs, 2)], [fmt(c.rtoMs, 0)], [c.retrans], [c.lost],
        [c.sacked], [bytes(c.received)], [bytes(c.acked)], [fmt(c.rateMbps, 2)]];
      for (const [v, cls] of cells) {
        const td = document.createElement("td");
        td.textContent = v;
        if (cls) td.className = cls;
        tr.appendChild(td);
      }
      tr.addEventListener("click", () => { select(c.id); render(state.latest); });
      return tr;
    }));
    const status = document.getElementById("status");
    status.className = "live";
    status.textContent = "live: " + state.samples + " samples, last at " + fmt(s.t, 1) + " s";
    document.body.dataset.samples = String(state.samples);
  }

  // ?samples=N stops the stream after N samples: a still picture for screenshots and for headless
  // browsers, whose virtual time stands still while a request (the event stream) is open.
  const limit = Number(new URLSearchParams(location.search).get("samples")) || 0;
  const source = new EventSource("/dashboard/events");
  source.addEventListener("sample", ev => {
    onSample(JSON.parse(ev.data));
    if (limit > 0 && state.samples >= limit) {
      source.close();
      const status = document.getElementById("status");
      status.className = "";
      status.textContent = "stopped after " + state.samples + " samples (?samples=" + limit + "); reload without it to follow live";
      document.body.dataset.stopped = "true";
    }
  });
  source.onerror = () => {
    const status = document.getElementById("status");
    status.className = "";
    status.textContent = "reconnecting... (" + state.samples + " samples so far)";
  };
})();
