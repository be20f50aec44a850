// The teacher's dashboard: numbers from /api/dashboard (admins only), drawn here.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const FA = "۰۱۲۳۴۵۶۷۸۹";
  const fa = (v) => String(v).replace(/[0-9]/g, (d) => FA[d]);
  const percent = (share) => (share === null ? "—" : fa(Math.round(share * 100)) + "٪");
  const STATUS = { sent: "فرستاده شد", failed: "ناموفق", skipped: "رد شد", claimed: "در صف", sending: "در حال ارسال",
    waiting: "در انتظار", unknown: "نامعلوم", reported: "گزارش شد" };
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };

  async function load() {
    const response = await fetch("api/dashboard", { headers: { Authorization: "tma " + TG.initData } });
    const body = await response.json();
    if (!response.ok) { $("error").textContent = body.error; $("error").hidden = false; document.body.dataset.status = response.status; return; }
    show(body);
    document.body.dataset.status = 200;
  }

  function show(d) {
    const numbers = [["اکنون", d.now], ["مرورهای سررسیده (reviews due)", fa(d.reviews_due)],
      ["فراگیران با مرور سررسیده", fa(d.learners_with_reviews_due)], ["یادآوری روزانه روشن", fa(d.reminder_opt_ins)]];
    for (const [name, value] of numbers) $("numbers").append(el("dt", name), el("dd", value));
    const box = $("active"), width = box.clientWidth;
    const days = d.active.map((_, i) => i), counts = d.active.map((a) => a.learners);
    const colour = getComputedStyle($("numbers")).color;
    new uPlot({ width, height: 160, legend: { show: false }, cursor: { show: false },
      scales: { x: { time: false, range: [-0.5, d.active.length - 0.5] }, y: { range: (u, lo, hi) => [0, Math.max(hi, 1)] } },
      axes: [{ values: (u, ticks) => ticks.map((t) => (d.active[t] ? fa(d.active[t].day.split(" ")[1]) : "")), stroke: colour, ticks: { show: false } },
        { stroke: colour, size: 30, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], values: (u, ticks) => ticks.map(fa) }],
      series: [{}, { stroke: colour, fill: "rgba(36,129,204,0.35)", paths: uPlot.paths.bars({ size: [0.6] }), points: { show: false } }],
    }, [days, counts], box).root.setAttribute("dir", "ltr");
    for (const q of d.hardest) $("hardest").append(el("li", `${q.question} — ${percent(q.share_correct)} درست`));
    if (!d.hardest.length) $("hardest").append(el("li", "هنوز رأیی ثبت نشده است."));
    // the newest first; older ones folded under «بیشتر» (a phone's screen, not a scroll)
    const folded = (parent, items, shown, make) => {
      items.slice(0, shown).forEach((item) => parent.append(make(item)));
      if (items.length <= shown) return;
      const more = el("details", undefined, "more"), rest = el(parent.tagName === "UL" ? "ul" : "div", undefined, parent.className);
      more.append(el("summary", `بیشتر (${fa(items.length - shown)})`), rest);
      items.slice(shown).forEach((item) => rest.append(make(item)));
      parent.after(more);
    };
    folded($("quizzes"), d.quizzes, 3, (q) => {
      const block = el("div", undefined, "quiz");
      block.append(el("p", `${q.number ? "کوییز " + fa(q.number) + ": " : ""}${q.question} (${percent(q.share_correct)} درست)`));
      const top = Math.max(...q.votes, 1);
      q.options.forEach((option, i) => {
        const row = el("div", undefined, "bar" + (i === q.correct ? " correct" : ""));
        const bar = el("b"); bar.style.width = (100 * q.votes[i] / top) + "%";
        const track = el("span"); track.append(bar);
        row.append(el("span", option), track, el("span", fa(q.votes[i])));
        block.append(row);
      });
      return block;
    });
    for (const u of d.upcoming) {
      const li = el("li");
      li.append(el("span", `${u.name}`), el("span", u.when));
      $("upcoming").append(li);
    }
    if (!d.upcoming.length) $("upcoming").append(el("li", "کانالی تنظیم نشده است (BOT_CHANNEL_ID)."));
    // posts that need the teacher (failed, unknown, reported) first, then the newest
    const attention = (s) => (["failed", "unknown", "reported"].includes(s.status) ? 0 : 1);
    const schedule = d.schedule.map((s, i) => [attention(s), i, s]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[2]);
    folded($("schedule"), schedule, 10, (s) => {
      const li = el("li");
      li.append(el("span", `${s.updated} · ${s.name}${s.number ? " " + fa(s.number) : ""}`), el("span", STATUS[s.status] || s.status, "status-" + s.status));
      if (s.error) li.title = s.error;
      return li;
    });
  }
  load();
})();
