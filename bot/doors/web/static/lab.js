// The learner's lab: every number comes from the bot's engine through /api/lab/*; this
// file only reads the controls, asks, and draws what it is given (with uPlot).
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const FA = "۰۱۲۳۴۵۶۷۸۹";
  const faDigits = (text) => String(text).replace(/[0-9]/g, (d) => FA[d]);
  const OPTIMIZERS = [["sgd", "#343a40"], ["momentum", "#e03131"], ["nesterov", "#f76707"],
    ["adagrad", "#9c5b2e"], ["rmsprop", "#2f9e44"], ["adam", "#1971c2"], ["adamax", "#ae3ec9"],
    ["adamw", "#e8a900"]];
  const DEBOUNCE_MS = 25;

  const state = { mode: "gd", x0: { gd: [2], opt: null }, dragging: false, frozen: null };
  const lab = { last: null, latencies: [], updates: 0, errors: 0 };
  window.lab = lab;

  // ---- controls -------------------------------------------------------------------
  const params = new URLSearchParams(location.search);
  // A lab opened from a chat reply carries its request: ?mode=gd&f=0.1x^2&x0=2&lr=0.4&steps=25
  if (params.get("mode") === "opt") state.mode = "opt";
  if (params.get("f")) $("function").value = params.get("f");
  if (params.get("lr")) $(state.mode === "gd" ? "lr" : "olr").value = Math.log10(Number(params.get("lr"))) || -1;
  if (params.get("steps")) $("steps").max = 1000, $("steps").value = params.get("steps");
  if (params.get("x0")) state.x0[state.mode] = params.get("x0").split(",").map(Number);
  // a lesson's race may set beta or weight decay: kept for the race, shown in its command
  state.race = {};
  for (const name of ["beta", "wd"]) if (params.get(name) !== null && Number.isFinite(Number(params.get(name)))) state.race[name] = Number(params.get(name));
  if (params.get("opt")) params.get("opt").split(",").forEach((name) => { state.picked = state.picked || []; state.picked.push(name); });

  const chips = $("optimizers");
  for (const [name, colour] of OPTIMIZERS) {
    const label = document.createElement("label");
    label.innerHTML = `<input type="checkbox" value="${name}"><i style="background:${colour}"></i><span dir="ltr">${name}</span>`;
    label.firstChild.checked = (state.picked || ["sgd", "momentum", "adam"]).includes(name);
    chips.appendChild(label);
  }
  const lr = () => Number((10 ** Number($("lr").value)).toPrecision(3));
  const raceLr = () => (Number($("olr").value) <= -6 ? null : Number((10 ** Number($("olr").value)).toPrecision(3)));
  const steps = () => Number($("steps").value);

  function request() {
    const body = { function: $("function").value, steps: steps() };
    const x0 = state.x0[state.mode];
    if (x0) body.x0 = x0.length === 1 ? x0[0] : x0;
    if (state.mode === "gd") body.lr = lr();
    else {
      body.optimizers = [...chips.querySelectorAll("input:checked")].map((c) => c.value);
      if (raceLr() !== null) body.lr = raceLr();
      Object.assign(body, state.race);
    }
    return body;
  }

  function showControls() {
    $("lr-out").textContent = String(lr());
    $("olr-out").textContent = raceLr() === null ? "خودکار (برای هر بهینه‌ساز)" : String(raceLr());
    $("olr-out").dir = raceLr() === null ? "rtl" : "ltr";  // words in the page's font, a number in code's
    $("steps-out").textContent = faDigits(steps());
    $("gd-controls").hidden = state.mode !== "gd";
    $("opt-controls").hidden = state.mode !== "opt";
    $("tab-gd").setAttribute("aria-selected", state.mode === "gd");
    $("tab-opt").setAttribute("aria-selected", state.mode === "opt");
    $("steps").max = state.mode === "gd" ? 500 : 1000;
  }

  // ---- requests: debounced; a newer one aborts the older -----------------------------
  let timer = null, controller = null, sequence = 0, changedAt = 0;
  function changed() {
    changedAt = performance.now();
    showControls();
    clearTimeout(timer);
    timer = setTimeout(ask, DEBOUNCE_MS);
  }
  async function ask() {
    const id = ++sequence, since = changedAt;
    if (controller) controller.abort();
    controller = new AbortController();
    let response, body;
    try {
      response = await fetch("api/lab/" + state.mode, {
        method: "POST", signal: controller.signal,
        headers: { "Content-Type": "application/json", Authorization: "tma " + TG.initData },
        body: JSON.stringify(request()),
      });
      body = await response.json();
    } catch (error) {
      if (error.name !== "AbortError" && id === sequence) showError("اتصال به ربات برقرار نشد؛ دوباره امتحان کنید.");
      return;
    }
    if (id !== sequence || response.status === 409) return;  // a newer request is on its way
    if (!response.ok) { showError(body.error || "خطا"); return; }
    showError("");
    show(body);
    requestAnimationFrame(() => {
      lab.latencies.push(performance.now() - since);
      lab.updates += 1;
      document.body.dataset.updates = lab.updates;
    });
  }
  function showError(text) {
    $("error").textContent = text;
    $("error").hidden = !text;
    if (text) { lab.errors += 1; document.body.dataset.errors = lab.errors; }
  }

  // ---- drawing ----------------------------------------------------------------------
  let chart = null, chartDim = 0;
  const probe = document.createElement("i");
  probe.hidden = true;
  document.body.appendChild(probe);
  const css = (name) => { probe.style.color = `var(${name})`; return getComputedStyle(probe).color; };

  // The bot's Telegram HTML, keeping only its emphasis and code (no attributes at all).
  const KEPT = new Set(["B", "STRONG", "I", "EM", "CODE", "PRE", "U", "S"]);
  function rich(element, html) {
    const copy = (from, to) => {
      for (const node of from.childNodes) {
        if (node.nodeType === Node.TEXT_NODE) to.appendChild(document.createTextNode(node.textContent));
        else if (node.nodeType === Node.ELEMENT_NODE) {
          const keep = KEPT.has(node.tagName) ? document.createElement(node.tagName) : null;
          if (keep && (node.tagName === "CODE" || node.tagName === "PRE")) keep.dir = "ltr";
          copy(node, keep || to);
          if (keep) to.appendChild(keep);
        }
      }
    };
    element.replaceChildren();
    copy(new DOMParser().parseFromString(html, "text/html").body, element);
  }

  function makeChart(dim) {
    if (chart) chart.destroy();
    const box = $("plot");
    const width = box.clientWidth;
    const height = Math.round(dim === 2 ? width * 0.9 : width * 0.7);
    const axis = { stroke: css("--hint"), grid: { stroke: css("--grid"), width: 1 }, ticks: { show: false },
      font: "11px Vazirmatn, sans-serif", size: 28 };
    chart = new uPlot({
      width, height, legend: { show: false }, cursor: { show: false, drag: { x: false, y: false } },
      scales: { x: { time: false, range: () => view().xlim }, y: { range: () => view().ylim } },
      axes: [axis, { ...axis, size: 44 }],
      series: [{}, { stroke: css("--link"), width: 2, points: { show: false }, show: dim === 1 }],
      hooks: { draw: [drawOverlay] },
    }, [[0, 1], [null, null]], box);
    chart.root.setAttribute("dir", "ltr");
    chartDim = dim;
    attachDrag(chart);
  }
  function view() {
    const plot = lab.last && lab.last.plot;
    if (state.frozen) return state.frozen;
    if (!plot) return { xlim: [0, 1], ylim: [0, 1] };
    const ylim = plot.ylim || [Math.min(...plot.y.filter(Number.isFinite)), Math.max(...plot.y.filter(Number.isFinite))];
    return { xlim: plot.xlim, ylim };
  }

  function drawOverlay(u) {
    const plot = lab.last && lab.last.plot;
    if (!plot) return;
    const ctx = u.ctx, px = (v) => u.valToPos(v, "x", true), py = (v) => u.valToPos(v, "y", true);
    const ratio = devicePixelRatio || 1;
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    if (plot.dim === 2) {
      ctx.strokeStyle = css("--hint");
      ctx.globalAlpha = 0.55;
      ctx.lineWidth = ratio;
      for (const line of plot.lines) {
        ctx.beginPath();
        let open = false;
        for (let i = 0; i < line.length; i += 2) {
          if (line[i] === null || line[i + 1] === null) { open = false; continue; }
          if (open) ctx.lineTo(px(line[i]), py(line[i + 1])); else ctx.moveTo(px(line[i]), py(line[i + 1]));
          open = true;
        }
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
    }
    for (const path of plot.paths) {
      ctx.strokeStyle = ctx.fillStyle = path.colour;
      ctx.lineWidth = 2 * ratio;
      ctx.beginPath();
      path.x.forEach((x, i) => {
        if (x === null || path.y[i] === null) return;
        if (i === 0) ctx.moveTo(px(x), py(path.y[i])); else ctx.lineTo(px(x), py(path.y[i]));
      });
      ctx.stroke();
      path.x.forEach((x, i) => {
        if (x === null || path.y[i] === null || (i > 0 && path.x.length > 80)) return;
        ctx.beginPath();
        ctx.arc(px(x), py(path.y[i]), (i === 0 ? 7 : 2.5) * ratio, 0, 2 * Math.PI);
        ctx.fill();
      });
    }
    const first = plot.paths[0];
    if (first && first.x[0] !== null) {  // the start: a ring to drag
      ctx.strokeStyle = css("--bg");
      ctx.lineWidth = 2 * ratio;
      ctx.beginPath();
      ctx.arc(px(first.x[0]), py(first.y[0]), 7 * ratio, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.restore();
  }

  function attachDrag(u) {
    const over = u.over;
    const place = (event) => {
      const rect = over.getBoundingClientRect();
      const x = u.posToVal(event.clientX - rect.left, "x"), y = u.posToVal(event.clientY - rect.top, "y");
      const { xlim, ylim } = view();
      const snap = (v, lim) => { const step = 10 ** (Math.floor(Math.log10(Math.abs(lim[1] - lim[0]) || 1)) - 2); return Number((Math.round(v / step) * step).toPrecision(6)); };
      state.x0[state.mode] = chartDim === 2 ? [snap(x, xlim), snap(y, ylim)] : [snap(x, xlim)];
      changed();
    };
    over.addEventListener("pointerdown", (event) => {
      state.dragging = true;
      state.frozen = view();  // the axes hold still under the finger
      over.setPointerCapture(event.pointerId);
      place(event);
    });
    over.addEventListener("pointermove", (event) => { if (state.dragging) place(event); });
    const release = () => { if (!state.dragging) return; state.dragging = false; state.frozen = null; changed(); };
    over.addEventListener("pointerup", release);
    over.addEventListener("pointercancel", release);
  }

  const NUMBER = (v) => (v === null || v === undefined ? "—" : Array.isArray(v) ? v.map(NUMBER).join(", ") : Number(v).toPrecision(6).replace(/\.?0+(e|$)/, "$1"));
  function show(body) {
    lab.last = body;
    const plot = body.plot, data = body.data;
    if (!chart || chartDim !== plot.dim) makeChart(plot.dim);
    chart.setData(plot.dim === 1 ? [plot.x, plot.y] : [plot.xlim, [null, null]], false);
    chart.redraw(true, true);
    const x0 = data.x0;
    state.x0[state.mode] = Array.isArray(x0) ? x0 : [x0];
    $("x0-out").textContent = "x0 = " + NUMBER(x0);
    $("command").textContent = body.command;
    rich($("caption"), body.caption);
    const rows = [];
    if (state.mode === "gd") {
      rich($("verdict-title"), body.verdict.title);
      rich($("verdict-reason"), body.verdict.reason);
      $("verdict").dataset.verdict = data.verdict;
      rows.push(["گام‌ها", faDigits(body.taken)], ["نقطهٔ پایانی", NUMBER(data.final)],
        ["f در پایان", NUMBER(data.final_value)], ["اندازهٔ گرادیان در پایان", NUMBER(data.gradient_norm)]);
    } else {
      rich($("verdict-title"), body.caption.split("\n")[0]);
      $("verdict-reason").textContent = "";
      $("verdict").dataset.verdict = data.runs.map((r) => r.verdict).join(",");
      data.runs.forEach((run, i) => rows.push([run.optimizer, `${body.verdicts[i]}، f = ${NUMBER(run.final_value)}`, "words"]));
    }
    $("last-step").innerHTML = "";
    for (const [name, value, kind] of rows) {
      const dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = name; dd.textContent = value;
      if (kind) dd.className = kind;  // words with a number: right to left, the page's font
      $("last-step").append(dt, dd);
    }
  }

  // ---- sending the lab back to the chat -----------------------------------------------
  async function sendToChat() {
    const command = lab.last && lab.last.command;
    if (!command) return;
    if (!TG.queryId) { TG.sendData(command); return; }  // opened from a keyboard button
    const response = await fetch("api/send", { method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "tma " + TG.initData },
      body: JSON.stringify({ command }) });
    const body = await response.json();
    if (!response.ok) showError(body.error || "خطا"); else TG.close();
  }
  if (TG.inTelegram) TG.mainButton("ارسال در گفت‌وگو", sendToChat);

  // ---- wiring -----------------------------------------------------------------------
  for (const id of ["lr", "steps", "olr"]) $(id).addEventListener("input", changed);
  $("function").addEventListener("input", () => { state.x0[state.mode] = null; changed(); });
  chips.addEventListener("change", changed);
  $("tab-gd").addEventListener("click", () => { state.mode = "gd"; changed(); });
  $("tab-opt").addEventListener("click", () => { state.mode = "opt"; changed(); });
  TG.on("theme_applied", () => chart && chart.redraw(false, true));
  let width = 0;
  new ResizeObserver(() => {
    const now = $("plot").clientWidth;
    if (chart && Math.abs(now - width) > 2) { width = now; makeChart(chartDim); chart.setData(chart.data, false); chart.redraw(true, true); }
  }).observe($("plot"));
  showControls();
  ask();
})();
