/* The explorer's PSR page: the PSR's description, its map, and charts of its time series, all read from the public
   API as any client reads it. The view (range, resolution, unit) lives in the query string. */
(function () {
  "use strict";

  var root = document.getElementById("psr-page");
  var PSR = root.dataset.psr;
  var EXPLORE = root.dataset.explore;
  var API = "/power-system-resources/" + encodeURIComponent(PSR);
  var PAGE_SIZE = 10000; // the API's maximum: a year of hourly data in one page
  var TABLE_ROWS = 1000; // rows shown in a chart's table; the CSV link has them all
  var ENERGY_UNITS = ["Wh", "kWh", "MWh", "GWh"];
  var RESOLUTIONS = ["raw", "PT1H", "P1D", "P1M"];
  var BUCKET_NAMES = { PT1H: "hour", P1D: "day", P1M: "month" };
  var palette = window.CDSC_PALETTE;
  var state = { tz: "UTC", run: 0, lastDay: null, extents: {}, sections: {}, firstMarked: false };

  // ---------------------------------------------------------------- time in the PSR's timezone
  var dtfCache = {};
  function parts(tz, ms) {
    var dtf = dtfCache[tz];
    if (!dtf) {
      dtf = dtfCache[tz] = new Intl.DateTimeFormat("en-US", {
        timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit",
      });
    }
    var out = {};
    dtf.formatToParts(new Date(ms)).forEach(function (p) { out[p.type] = p.value; });
    return { y: +out.year, m: +out.month, d: +out.day, h: +out.hour % 24, mi: +out.minute, s: +out.second };
  }
  function offsetMs(tz, ms) {
    var p = parts(tz, ms);
    return Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s) - Math.floor(ms / 1000) * 1000;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function parseDate(s) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || "");
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) : NaN;
  }
  function fmtDate(ms) {
    var d = new Date(ms);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate());
  }
  function addDays(date, n) { return fmtDate(parseDate(date) + n * 864e5); }
  function addMonths(date, n) {
    var d = new Date(parseDate(date));
    var day = d.getUTCDate();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() + n);
    var last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    d.setUTCDate(Math.min(day, last));
    return fmtDate(d.getTime());
  }
  function dayCount(a, b) { return Math.round((parseDate(b) - parseDate(a)) / 864e5); }
  // The instant a local date begins in the PSR's timezone (a clock change at midnight is looked at twice).
  function localMidnight(date) {
    var guess = parseDate(date);
    var t = guess - offsetMs(state.tz, guess);
    var again = guess - offsetMs(state.tz, t);
    return again === t ? t : again;
  }
  function localDate(ms) {
    var p = parts(state.tz, ms);
    return p.y + "-" + pad(p.m) + "-" + pad(p.d);
  }
  function iso(ms) { return new Date(ms).toISOString().replace(".000Z", "Z"); }
  // Each instant's local wall-clock time, drawn on a UTC axis so that ticks fall on local hours and days. Offsets
  // change a few times a year at most: they are looked up at the ends of 30-day stretches and searched for where
  // they differ, not for every one of 8,760 hours.
  function wallClock(times) {
    var out = new Array(times.length);
    var tz = state.tz;
    function fill(lo, hi, offLo, offHi) {
      if (offLo === offHi && times[hi] - times[lo] <= 30 * 864e5) {
        for (var i = lo; i <= hi; i++) out[i] = times[i] + offLo;
        return;
      }
      if (hi - lo <= 1) {
        out[lo] = times[lo] + offLo;
        out[hi] = times[hi] + offHi;
        return;
      }
      var mid = (lo + hi) >> 1;
      var offMid = offsetMs(tz, times[mid]);
      fill(lo, mid, offLo, offMid);
      fill(mid, hi, offMid, offHi);
    }
    if (times.length) {
      fill(0, times.length - 1, offsetMs(tz, times[0]), offsetMs(tz, times[times.length - 1]));
    }
    return out;
  }
  var longDate = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  function rangeText(start, end) {
    var a = parseDate(start), b = parseDate(end);
    if (a === b) return longDate.format(a);
    return longDate.formatRange ? longDate.formatRange(a, b) : longDate.format(a) + " – " + longDate.format(b);
  }
  var number = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 1 });
  var precise = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 2 });

  // ---------------------------------------------------------------- the API
  function sameOrigin(url) {
    var u = new URL(url, window.location.href);
    return u.pathname + u.search; // `next` links name the host the server saw; behind a proxy that may differ
  }
  function getJSON(url) {
    return fetch(sameOrigin(url), { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (body) {
        if (!r.ok) {
          var detail = body && (body.detail || body.title);
          var retry = r.headers.get("Retry-After");
          if (r.status === 429 && retry) detail = (detail || "Too many requests.") + " Try again in " + retry + " s.";
          var err = new Error(detail || "HTTP " + r.status);
          err.status = r.status;
          throw err;
        }
        return body;
      });
    });
  }
  // Every page of a range, following the API's `next` links.
  function fetchAll(url, key) {
    return getJSON(url).then(function (body) {
      var items = body[key] || [];
      function more(next) {
        if (!next) {
          body[key] = items;
          return body;
        }
        return getJSON(next).then(function (page) {
          items = items.concat(page[key] || []);
          return more(page.next);
        });
      }
      return more(body.next);
    });
  }
  function seriesUrl(req, view, extra) {
    var params = new URLSearchParams();
    params.set("startDatetime", iso(localMidnight(view.start)));
    params.set("endDatetime", iso(localMidnight(addDays(view.end, 1))));
    if (view.resolution !== "raw") params.set("resolution", view.resolution);
    if (req.timeframe) params.set("timeframe", req.timeframe);
    if (req.energy) params.set("unit", view.unit);
    Object.keys(req.params || {}).forEach(function (k) { params.set(k, req.params[k]); });
    Object.keys(extra || {}).forEach(function (k) { params.set(k, extra[k]); });
    return API + "/timeseries/" + req.quantity + "?" + params.toString();
  }
  function jsonUrl(req, view) { return seriesUrl(req, view, { pageSize: String(PAGE_SIZE) }); }
  function csvUrl(req, view) { return seriesUrl(req, view, { format: "csv" }); }

  // ---------------------------------------------------------------- the view in the query string
  function readView() {
    var q = new URLSearchParams(window.location.search);
    var view = {
      start: q.get("start"), end: q.get("end"),
      resolution: RESOLUTIONS.indexOf(q.get("resolution")) >= 0 ? q.get("resolution") : "raw",
      unit: ENERGY_UNITS.indexOf(q.get("unit")) >= 0 ? q.get("unit") : "MWh",
    };
    if (isNaN(parseDate(view.start)) || isNaN(parseDate(view.end))) {
      view.start = view.end = null;
    } else if (view.end < view.start) {
      var s = view.start;
      view.start = view.end;
      view.end = s;
    }
    return view;
  }
  function query(view) {
    var q = new URLSearchParams();
    q.set("start", view.start);
    q.set("end", view.end);
    q.set("resolution", view.resolution);
    q.set("unit", view.unit);
    return "?" + q.toString();
  }
  function go(search) {
    if (search !== window.location.search) window.history.pushState(null, "", search);
    render();
  }

  // ---------------------------------------------------------------- shaping answers into chart rows
  function ms(s) { return Date.parse(s); }
  // Rows [time, v1, v2, ...] over the union of the answers' interval starts, one column per name.
  function merge(columns) {
    var names = [], starts = {}, list = [];
    columns.forEach(function (c) { names.push(c.name); });
    columns.forEach(function (c, ci) {
      c.points.forEach(function (p) {
        var row = starts[p[0]];
        if (!row) {
          row = starts[p[0]] = new Array(columns.length + 1).fill(null);
          row[0] = p[0];
          list.push(row);
        }
        row[ci + 1] = row[ci + 1] === null ? p[1] : row[ci + 1] + p[1];
      });
    });
    list.sort(function (a, b) { return ms(a[0]) - ms(b[0]); });
    return { names: names, rows: list };
  }
  // One column per item of a breakdown (a fuel's AIB type name, a neighbour), summed over technologies.
  function breakdown(items, field, nameOf, sign) {
    var index = {}, names = [], rows = new Array(items.length);
    items.forEach(function (item, i) {
      var parts = item[field] || [];
      var row = [item.startDatetime];
      if (!parts.length && item.value !== null && item.value !== undefined) {
        parts = [{ value: item.value }];
      }
      parts.forEach(function (part) {
        var name = nameOf(part);
        var k = index[name];
        if (k === undefined) {
          k = index[name] = names.length + 1;
          names.push(name);
        }
        if (part.value !== null && part.value !== undefined) row[k] = (row[k] || 0) + sign * part.value;
      });
      rows[i] = row;
    });
    return { names: names, rows: rows };
  }
  function byFuel(answers) {
    var b = breakdown(answers[0].body[answers[0].req.key], "valueByFuelSource", function (p) {
      return p.type || "Total (no breakdown by fuel)";
    }, 1);
    // Alphabetical AIB names: fossil, nuclear, renewable, the same stacking order on every page.
    var order = b.names.map(function (n, i) { return [n, i + 1]; }).sort(function (a, c) { return a[0] < c[0] ? -1 : 1; });
    return {
      names: order.map(function (o) { return o[0]; }),
      colours: order.map(function (o) { return palette.fuelColour(o[0]); }),
      rows: b.rows.map(function (r) {
        return [r[0]].concat(order.map(function (o) { return r[o[1]] === undefined ? 0 : r[o[1]]; }));
      }),
      stacked: true,
    };
  }
  function byNeighbour(answers) {
    var columns = [];
    answers.forEach(function (a, ai) {
      var sign = ai === 0 ? 1 : -1; // exports drawn below the axis
      var verb = ai === 0 ? "Imports from " : "Exports to ";
      var b = breakdown(a.body[a.req.key], "valueByConnectedPSR", function (p) {
        return verb + (p.connectedPSR || "all neighbours");
      }, sign);
      b.names.forEach(function (name, i) {
        columns.push({ name: name, stack: ai === 0 ? "imports" : "exports", points: b.rows.map(function (r) {
          return [r[0], r[i + 1] === undefined ? 0 : r[i + 1]];
        }) });
      });
    });
    var m = merge(columns);
    return {
      names: m.names, rows: m.rows, stacked: true,
      stacks: columns.map(function (c) { return c.stack; }),
      colours: columns.map(function (c, i) { return palette.ordered[i % palette.ordered.length]; }),
    };
  }
  function totals(answers) {
    var columns = answers.filter(function (a) { return a.body[a.req.key].length; }).map(function (a) {
      return { name: a.req.label, dashed: a.req.dashed, points: a.body[a.req.key].map(function (i) {
        return [i.startDatetime, i.value];
      }) };
    });
    var m = merge(columns);
    return {
      names: m.names, rows: m.rows, stacked: false,
      dashes: columns.map(function (c) { return c.dashed ? "dashed" : "solid"; }),
      colours: columns.map(function (c) {
        var at = answers.findIndex(function (a) { return a.req.label === c.name; });
        return palette.ordered[at % palette.ordered.length];
      }),
    };
  }

  // ---------------------------------------------------------------- text summaries
  function columnSums(shaped) {
    var sums = shaped.names.map(function () { return 0; });
    shaped.rows.forEach(function (r) {
      for (var i = 1; i < r.length; i++) if (r[i]) sums[i - 1] += r[i];
    });
    return sums;
  }
  function largest(shaped, sums) {
    var total = sums.reduce(function (a, b) { return a + b; }, 0);
    var best = 0;
    sums.forEach(function (s, i) { if (s > sums[best]) best = i; });
    return { total: total, name: shaped.names[best], share: total ? (100 * sums[best]) / total : 0 };
  }
  function stackSummary() {
    return function (shaped, unit) {
      var l = largest(shaped, columnSums(shaped));
      return "total " + number.format(l.total) + " " + unit + "; largest " + l.name + " " + number.format(l.share) + " %";
    };
  }
  function flowSummary(shaped, unit) {
    var sums = columnSums(shaped);
    var imp = 0, exp = 0, top = null;
    sums.forEach(function (s, i) {
      if (shaped.stacks[i] === "imports") imp += s; else exp -= s;
      if (top === null || Math.abs(s) > Math.abs(sums[top])) top = i;
    });
    return "imports " + number.format(imp) + " " + unit + ", exports " + number.format(exp) + " " + unit +
      (top === null ? "" : "; largest flow " + shaped.names[top] + " " + number.format(Math.abs(sums[top])) + " " + unit);
  }
  function lineSummary(kind) {
    return function (shaped, unit) {
      return shaped.names.map(function (name, i) {
        var vals = shaped.rows.map(function (r) { return r[i + 1]; }).filter(function (v) { return v !== null && v !== undefined; });
        if (!vals.length) return name + ": no values";
        var sum = vals.reduce(function (a, b) { return a + b; }, 0);
        var max = Math.max.apply(null, vals), min = Math.min.apply(null, vals);
        if (kind === "energy") {
          return name + " total " + number.format(sum) + " " + unit + ", peak " + number.format(max) + " " + unit;
        }
        return name + " mean " + precise.format(sum / vals.length) + " " + unit + " (" + precise.format(min) + " to " +
          precise.format(max) + ")";
      }).join("; ");
    };
  }
  function cadence(view, answers) {
    if (view.resolution === "PT1H") return "hourly";
    if (view.resolution === "P1D") return "daily";
    if (view.resolution === "P1M") return "monthly";
    var items = answers[0].body[answers[0].req.key];
    if (!items.length) return "as stored";
    var minutes = (ms(items[0].endDatetime) - ms(items[0].startDatetime)) / 6e4;
    if (minutes === 60) return "hourly";
    if (minutes === 1440) return "daily";
    return minutes < 60 ? minutes + "-minute" : minutes / 60 + "-hour";
  }

  // ---------------------------------------------------------------- the charts
  var CHARTS = [
    {
      id: "generation", title: "Generation by fuel", shape: byFuel, summary: stackSummary(), energy: true,
      requests: [{ quantity: "generation", key: "generation", energy: true, label: "Generation" }],
    },
    {
      id: "demand", title: "Demand and its day-ahead forecast", shape: totals, summary: lineSummary("energy"), energy: true,
      requests: [
        { quantity: "demand", key: "demand", energy: true, label: "Demand" },
        { quantity: "demand", key: "demand", energy: true, timeframe: "day-ahead", label: "Day-ahead forecast", dashed: true },
      ],
    },
    {
      id: "flows", title: "Imports and exports by neighbour", shape: byNeighbour, summary: flowSummary, energy: true,
      note: "Imports above the axis, exports below.",
      requests: [
        { quantity: "imports", key: "imports", energy: true, label: "Imports" },
        { quantity: "exports", key: "exports", energy: true, label: "Exports" },
      ],
    },
    {
      id: "price", title: "Prices by timeframe", shape: totals, summary: lineSummary("price"),
      requests: ["day-ahead", "hour-ahead", "real-time"].map(function (tf, i) {
        return { quantity: "price", key: "price", timeframe: tf, label: tf.charAt(0).toUpperCase() + tf.slice(1), dashed: i === 2 };
      }),
    },
    {
      id: "curtailment", title: "Curtailment by fuel", shape: byFuel, summary: stackSummary(), energy: true,
      requests: [{ quantity: "curtailment", key: "curtailment", energy: true, label: "Curtailment" }],
    },
    { id: "capacity", title: "Installed capacity by fuel", capacity: true },
    {
      id: "emissions", title: "Emissions by fuel (life cycle)", shape: byFuel, summary: stackSummary(),
      requests: [{ quantity: "emissions", key: "emissions", label: "Emissions", params: { basis: "lifecycle" } }],
    },
    {
      id: "intensity", title: "Carbon intensity (life cycle)", shape: totals, summary: lineSummary("intensity"),
      requests: [
        { quantity: "carbon-intensity", key: "carbonIntensity", label: "Consumption", params: { basis: "lifecycle", method: "consumption" } },
        { quantity: "carbon-intensity", key: "carbonIntensity", label: "Production", dashed: true, params: { basis: "lifecycle", method: "production" } },
      ],
    },
  ];

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function buildSections() {
    var box = document.getElementById("psr-charts");
    CHARTS.forEach(function (chart) {
      var sec = el("section", { id: "chart-" + chart.id, class: "chart", "aria-labelledby": "h-" + chart.id });
      sec.appendChild(el("h2", { id: "h-" + chart.id }, chart.title));
      var s = {
        root: sec,
        rollup: el("p", { class: "rollup" }),
        summary: el("p", { class: "summary", id: "summary-" + chart.id }),
        plot: el("div", { class: "plot", id: "plot-" + chart.id }),
        empty: el("p", { class: "empty" }),
        details: el("details", { class: "table" }),
        links: el("div", { class: "api-links" }),
      };
      s.rollup.hidden = true;
      s.empty.hidden = true;
      s.details.appendChild(el("summary", {}, "Data table"));
      [s.rollup, s.summary, s.plot, s.empty, s.details, s.links].forEach(function (x) { sec.appendChild(x); });
      if (chart.note) sec.insertBefore(el("p", { class: "note" }, chart.note), s.summary);
      s.details.addEventListener("toggle", function () {
        if (s.details.open && s.shaped && !s.tableBuilt) buildTable(s);
      });
      state.sections[chart.id] = s;
      box.appendChild(sec);
    });
  }
  function showLinks(s, entries) {
    s.links.textContent = "";
    var list = el("ul", {});
    entries.forEach(function (e) {
      var li = el("li", {});
      li.appendChild(document.createTextNode(e.label + ": "));
      if (e.csv) {
        li.appendChild(el("a", { href: e.csv, class: "csv-link", download: "" }, "CSV"));
        li.appendChild(document.createTextNode(" · API URL "));
      } else {
        li.appendChild(document.createTextNode("(no CSV at this endpoint) API URL "));
      }
      var code = el("code", { class: "api-url" }, new URL(e.json, window.location.href).href);
      li.appendChild(code);
      list.appendChild(li);
    });
    s.links.appendChild(list);
  }
  function buildTable(s) {
    var shaped = s.shaped;
    var div = el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": s.caption });
    var table = el("table", {});
    var rows = shaped.rows.length;
    table.appendChild(el("caption", {}, s.caption + (rows > TABLE_ROWS ? " (first " + TABLE_ROWS + " of " + rows +
      " rows; the CSV link has every row)" : "")));
    var thead = el("thead", {}), tr = el("tr", {});
    tr.appendChild(el("th", { scope: "col" }, shaped.timeHeader || "Start (UTC)"));
    shaped.names.forEach(function (n) { tr.appendChild(el("th", { scope: "col" }, n)); });
    thead.appendChild(tr);
    table.appendChild(thead);
    var tbody = el("tbody", {});
    shaped.rows.slice(0, TABLE_ROWS).forEach(function (r) {
      var row = el("tr", {});
      row.appendChild(el("th", { scope: "row" }, typeof r[0] === "number" ? iso(r[0]) : r[0]));
      for (var i = 1; i <= shaped.names.length; i++) {
        row.appendChild(el("td", {}, r[i] === null || r[i] === undefined ? "" : String(Math.abs(r[i]) === 0 ? 0 : r[i])));
      }
      tbody.appendChild(row);
    });
    table.appendChild(tbody);
    div.appendChild(table);
    s.details.appendChild(div);
    s.tableBuilt = true;
  }
  function resetSection(s) {
    s.shaped = null;
    s.tableBuilt = false;
    var old = s.details.querySelector(".table-scroll");
    if (old) old.remove();
    s.details.open = false;
    s.rollup.hidden = true;
    s.empty.hidden = true;
    s.empty.textContent = "";
    s.summary.textContent = "Loading…";
    s.root.dataset.state = "loading";
  }
  function markFirst() {
    if (state.firstMarked) return;
    state.firstMarked = true;
    if (window.performance && performance.mark) performance.mark("cdsc-first-chart");
  }
  function draw(s, chart, shaped, unitLabel, summaryText, subtitle) {
    s.plot.hidden = false;
    var inst = window.echarts.getInstanceByDom(s.plot) || window.echarts.init(s.plot, null, { renderer: "canvas" });
    inst.off("finished");
    inst.on("finished", function () {
      s.root.dataset.state = "drawn";
      markFirst();
    });
    var times = shaped.rows.map(function (r) { return typeof r[0] === "number" ? r[0] : ms(r[0]); });
    var wall = shaped.wall || wallClock(times);
    var n = shaped.names.length;
    var groupOf = function (i) { return shaped.stacks ? shaped.stacks[i] : "total"; };
    // Stacked charts are stacked here, once, as running sums per stack: ECharts' own stacking of 87,600 values
    // costs more than the rest of the first chart's drawing (measured in bench/explorer.py's notes). Each series is
    // filled down to the axis, the lower ones drawn over the higher ones, so the picture is the stacked one.
    var source = shaped.rows.map(function (r, i) {
      var c = new Array(n + 1);
      c[0] = wall[i];
      if (!shaped.stacked) {
        for (var j = 1; j <= n; j++) c[j] = r[j] === undefined ? null : r[j];
        return c;
      }
      var sums = {};
      for (var k = 0; k < n; k++) {
        var g = groupOf(k);
        sums[g] = (sums[g] || 0) + (r[k + 1] || 0);
        c[k + 1] = sums[g];
      }
      return c;
    });
    var rowAt = new Map();
    wall.forEach(function (x, i) { rowAt.set(x, i); });
    var series = shaped.names.map(function (name, i) {
      return {
        name: name, type: "line", color: shaped.colours[i],
        z: shaped.stacked ? 2 + n - i : 2,
        areaStyle: shaped.stacked ? { opacity: 1 } : undefined,
        lineStyle: { width: shaped.stacked ? 0.5 : 1.5, type: shaped.dashes ? shaped.dashes[i] : "solid" },
        step: shaped.step || false,
        showSymbol: false, symbol: "none", sampling: "lttb",
        progressive: 4000, progressiveThreshold: 10000, large: true,
        encode: { x: 0, y: i + 1 },
      };
    });
    // The tooltip gives each series' own value (not its running sum), from the answer's rows.
    var tooltipText = function (params) {
      if (!params.length) return "";
      var i = rowAt.get(params[0].value[0]);
      var row = shaped.rows[i] || [];
      var lines = [params[0].axisValueLabel];
      shaped.names.forEach(function (name, j) {
        var v = row[j + 1];
        lines.push(name + ": " + (v === null || v === undefined ? "no value" : precise.format(v) + " " + unitLabel));
      });
      return lines.join("\n");
    };
    inst.setOption({
      animation: false,
      useUTC: true, // the x values are local wall-clock times (above)
      aria: { enabled: true, label: { description: summaryText } },
      title: subtitle ? { text: subtitle, left: "center", bottom: 0, textStyle: { fontSize: 12, fontWeight: "normal", color: "#1d2a33" } } : { show: false },
      tooltip: { trigger: "axis", renderMode: "richText", confine: true, formatter: tooltipText },
      legend: { type: "scroll", top: 0, data: shaped.names, textStyle: { color: "#1d2a33" } },
      grid: { top: 55, left: 70, right: 20, bottom: subtitle ? 90 : 70 },
      xAxis: { type: "time", name: shaped.xName === undefined ? "local time" : shaped.xName, nameLocation: "end", nameGap: 5,
        axisLabel: { color: "#1d2a33", hideOverlap: true } },
      yAxis: { type: "value", name: unitLabel, axisLabel: { color: "#1d2a33" } },
      dataZoom: [{ type: "inside" }, { type: "slider", bottom: subtitle ? 30 : 10, height: 20 }],
      dataset: { source: source },
      series: series,
    }, true);
  }

  function nearestText(chart, view, req) {
    return extentDays(req).then(function (days) {
      if (!days.length) return { text: "This PSR holds no " + chart.title.toLowerCase() + " data at all." };
      var n = dayCount(view.start, view.end);
      var before = null, after = null;
      days.forEach(function (d) {
        if (d < view.start) before = d;
        else if (d > view.end && after === null) after = d;
      });
      var pick;
      if (before !== null && (after === null || dayCount(before, view.start) <= dayCount(view.end, after))) {
        pick = { start: addDays(before, -n), end: before };
      } else {
        pick = { start: after, end: addDays(after, n) };
      }
      return { pick: pick };
    });
  }
  function showEmpty(s, chart, view) {
    s.plot.hidden = true;
    s.root.dataset.state = "empty";
    s.summary.textContent = "";
    s.empty.hidden = false;
    s.empty.textContent = "No " + chart.title.toLowerCase() + " data between " + rangeText(view.start, view.end) +
      ". Looking for the nearest range with data…";
    if (!chart.requests) return Promise.resolve();
    var run = state.run;
    return nearestText(chart, view, chart.requests[0]).then(function (found) {
      if (run !== state.run) return;
      s.empty.textContent = "No " + chart.title.toLowerCase() + " data between " + rangeText(view.start, view.end) + ". ";
      if (found.text) {
        s.empty.appendChild(document.createTextNode(found.text));
        return;
      }
      var target = { start: found.pick.start, end: found.pick.end, resolution: view.resolution, unit: view.unit };
      s.empty.appendChild(document.createTextNode("The nearest range with data: "));
      s.empty.appendChild(el("a", { href: query(target), "data-view": "", class: "nearest" }, rangeText(target.start, target.end)));
      s.empty.appendChild(document.createTextNode("."));
    }).catch(function (err) {
      if (run === state.run) s.empty.textContent += " (The API did not say where data is: " + err.message + ".)";
    });
  }
  function showError(s, err) {
    s.plot.hidden = true;
    s.root.dataset.state = "error";
    s.summary.textContent = "";
    s.empty.hidden = false;
    s.empty.textContent = "The API refused this view: " + err.message;
  }

  function renderSeriesChart(chart, view, run) {
    var s = state.sections[chart.id];
    resetSection(s);
    showLinks(s, chart.requests.map(function (req) {
      return { label: req.label, csv: csvUrl(req, view), json: jsonUrl(req, view) };
    }));
    return Promise.all(chart.requests.map(function (req) {
      return fetchAll(jsonUrl(req, view), req.key).then(function (body) { return { req: req, body: body }; });
    })).then(function (answers) {
      if (run !== state.run) return;
      if (!state.firstMarked && window.performance && performance.mark) performance.mark("cdsc-first-data");
      var count = answers.reduce(function (n, a) { return n + a.body[a.req.key].length; }, 0);
      if (!count) return showEmpty(s, chart, view);
      var unit = answers[0].body.unit;
      var unitLabel = chart.id === "price" ? unit + "/MWh" : unit;
      var shaped = chart.shape(answers);
      var rolled = answers.some(function (a) { return a.body.rolledUp; });
      var subtitle = rolled ? "Summed from the PSRs below " + PSR + " (the API's rolledUp answer)" : "";
      var caption = chart.title + ", " + rangeText(view.start, view.end) + ", " + cadence(view, answers);
      var text = caption + ": " + chart.summary(shaped, unitLabel) + ".";
      var cut = answers.some(function (a) { return a.body[a.req.key].some(function (i) { return i.partial; }); });
      if (cut) text += " The range cuts its first or last " + (BUCKET_NAMES[view.resolution] || "bucket") +
        ", which holds only the part inside the range (the API marks it partial).";
      s.shaped = shaped;
      s.caption = caption + " (" + unitLabel + ")";
      s.summary.textContent = text;
      s.root.dataset.intervals = String(shaped.rows.length);
      s.root.dataset.unit = unit;
      if (rolled) {
        s.rollup.hidden = false;
        s.rollup.textContent = PSR + " holds no " + chart.requests[0].quantity + " series of its own: this answer is " +
          "summed from the PSRs below it (the API says rolledUp).";
      }
      draw(s, chart, shaped, unitLabel, text, subtitle);
    }).catch(function (err) {
      if (run === state.run) showError(s, err);
    });
  }

  function renderCapacity(chart, view, run) {
    var s = state.sections[chart.id];
    resetSection(s);
    var url = API + "/capacity";
    showLinks(s, [{ label: "Capacity", json: url }]);
    return fetchAll(url, "capacity").then(function (body) {
      if (run !== state.run) return;
      var items = body.capacity || [];
      if (!items.length) {
        s.plot.hidden = true;
        s.root.dataset.state = "empty";
        s.summary.textContent = "";
        s.empty.hidden = false;
        s.empty.textContent = "No installed capacity is on record for " + PSR + ".";
        return;
      }
      var names = [];
      items.forEach(function (i) {
        var n = i.fuelSource && i.fuelSource.type || "Unspecified";
        if (names.indexOf(n) < 0) names.push(n);
      });
      names.sort();
      // Capacity changes at each start and end: a step per change, to the end of the chosen range (or now).
      var edges = {};
      items.forEach(function (i) {
        edges[ms(i.startDatetime)] = true;
        if (i.endDatetime) edges[ms(i.endDatetime)] = true;
      });
      var until = Math.max(localMidnight(addDays(view.end, 1)), Date.now());
      var times = Object.keys(edges).map(Number).filter(function (t) { return t <= until; }).sort(function (a, b) { return a - b; });
      times.push(until);
      var rows = times.map(function (t) {
        var row = [t].concat(names.map(function () { return 0; }));
        items.forEach(function (i) {
          if (ms(i.startDatetime) <= t && (!i.endDatetime || ms(i.endDatetime) > t)) {
            row[1 + names.indexOf(i.fuelSource && i.fuelSource.type || "Unspecified")] += i.value;
          }
        });
        return row;
      });
      var shaped = {
        names: names, rows: rows, stacked: true, step: "end", timeHeader: "From (UTC)", xName: "",
        colours: names.map(function (n) { return palette.fuelColour(n); }),
        wall: times,
      };
      var at = localMidnight(addDays(view.end, 1));
      var current = rows.filter(function (r) { return r[0] <= at; }).pop() || rows[0];
      var total = current.slice(1).reduce(function (a, b) { return a + b; }, 0);
      var best = 1;
      for (var k = 2; k < current.length; k++) if (current[k] > current[best]) best = k;
      var text = chart.title + " over time, every change on record: at the end of " + rangeText(view.end, view.end) +
        " total " + number.format(total) + " " + body.unit + "; largest " + names[best - 1] + " " +
        number.format(total ? (100 * current[best]) / total : 0) + " %.";
      s.shaped = shaped;
      s.caption = chart.title + ", each change (" + body.unit + ")";
      s.summary.textContent = text;
      s.root.dataset.intervals = String(rows.length);
      draw(s, chart, shaped, body.unit, text, "");
    }).catch(function (err) {
      if (run === state.run) showError(s, err);
    });
  }

  // ---------------------------------------------------------------- where data is
  // The local days a series holds data on: its daily buckets over all time (a few hundred per year of data).
  function extentDays(req) {
    var key = req.quantity + "|" + (req.timeframe || "") + "|" + JSON.stringify(req.params || {});
    if (!state.extents[key]) {
      var base = API + "/timeseries/" + req.quantity + "?";
      var params = new URLSearchParams(req.params || {});
      if (req.timeframe) params.set("timeframe", req.timeframe);
      params.set("pageSize", String(PAGE_SIZE));
      var days = function (res) {
        var p = new URLSearchParams(params);
        if (res) p.set("resolution", res);
        return fetchAll(base + p.toString(), req.key).then(function (body) {
          var out = [];
          body[req.key].forEach(function (i) {
            if (i.value === null || i.value === undefined) return;
            var d = localDate(ms(i.startDatetime));
            if (out[out.length - 1] !== d) out.push(d);
          });
          return out;
        });
      };
      // Data stored in intervals longer than a day cannot be read by the day: then by the month, then as stored.
      state.extents[key] = days("P1D").catch(function () { return days("P1M"); }).catch(function () { return days(null); });
    }
    return state.extents[key];
  }
  function lastDataDay() {
    if (!state.lastDay) {
      var candidates = [CHARTS[0].requests[0], CHARTS[1].requests[0], CHARTS[3].requests[0]];
      state.lastDay = candidates.reduce(function (p, req) {
        return p.then(function (found) {
          if (found) return found;
          return extentDays(req).then(function (d) { return d.length ? d[d.length - 1] : null; }, function () { return null; });
        });
      }, Promise.resolve(null));
    }
    return state.lastDay;
  }
  function quickPicks(view) {
    var box = document.getElementById("quick-links");
    return lastDataDay().then(function (last) {
      box.textContent = "";
      if (!last) {
        box.textContent = "(no series hold data yet)";
        return;
      }
      var after = addDays(last, 1);
      [
        ["last day of data", last],
        ["last week", addDays(last, -6)],
        ["last month", addMonths(after, -1)],
        ["last year", addMonths(after, -12)],
      ].forEach(function (p, i) {
        if (i) box.appendChild(document.createTextNode(" · "));
        var target = { start: p[1], end: last, resolution: view.resolution, unit: view.unit };
        box.appendChild(el("a", { href: query(target), "data-view": "", class: "quick-pick" }, p[0]));
      });
    });
  }

  // ---------------------------------------------------------------- the description and the map
  function describe(asked) {
    var status = document.getElementById("psr-status");
    return asked.then(function (answers) {
      var d = answers[0].describe, topo = answers[1] && answers[1].topology;
      state.tz = d.timezone || "UTC";
      document.getElementById("psr-title").textContent = (d.name || PSR) + " (" + PSR + ")";
      document.title = (d.name || PSR) + ": CDSC Power Systems Data explorer";
      var dl = document.getElementById("describe-list");
      function row(term, content) {
        dl.appendChild(el("dt", {}, term));
        var dd = el("dd", {});
        if (typeof content === "string") dd.textContent = content; else dd.appendChild(content);
        dl.appendChild(dd);
      }
      function psrLink(id) { return el("a", { href: EXPLORE + "psr/" + encodeURIComponent(id) }, id); }
      function links(ids, more) {
        var span = el("span", {});
        ids.forEach(function (id, i) {
          if (i) span.appendChild(document.createTextNode(", "));
          span.appendChild(psrLink(id));
        });
        if (more) {
          span.appendChild(document.createTextNode(ids.length ? ", … " : ""));
          span.appendChild(more);
        }
        return span;
      }
      row("Name", d.name || "—");
      row("Level", d.level || "—");
      row("Timezone", state.tz);
      if (d.description) row("Description", d.description);
      var ids = (d.external_identifiers || []).map(function (x) { return x.scheme + ":" + x.value; });
      row("Identifiers", [PSR].concat(ids).join(", "));
      var addr = d.location && d.location.main_address;
      if (addr) {
        var street = addr.street_detail || {}, town = addr.town_detail || {};
        var text = street.display_address || [street.building_name, addr.postal_code, town.name, town.state_or_province]
          .filter(Boolean).join(", ");
        if (text) row("Address", text);
      }
      row("Parent", d.parent ? psrLink(d.parent) : "none (a root of the tree)");
      if (topo) {
        var kids = (topo.children || []).map(function (c) { return c.id; });
        var shown = kids.slice(0, 10);
        var more = kids.length > shown.length
          ? el("a", { href: EXPLORE + "?parent=" + encodeURIComponent(PSR) }, "all " + kids.length + " children")
          : null;
        row("Children (" + kids.length + ")", kids.length ? links(shown, more) : "none");
        var sibs = (topo.connectedSiblings || []).map(function (c) { return c.id; });
        if (sibs.length) row("Connected to", links(sibs, null));
      }
      var du = document.getElementById("describe-url");
      du.href = API + "/describe";
      du.querySelector("code").textContent = API + "/describe";
      status.textContent = "";
      document.getElementById("psr-body").hidden = false;
      drawMap(d);
      return d;
    }).catch(function (err) {
      status.textContent = "";
      var box = document.getElementById("psr-error");
      box.hidden = false;
      box.textContent = "";
      box.appendChild(el("h2", {}, err.status === 404 ? "No such power system resource" : "The API could not describe " + PSR));
      box.appendChild(el("p", { class: "problem-detail" }, err.message));
      var p = el("p", {});
      p.appendChild(document.createTextNode("Find a PSR in "));
      p.appendChild(el("a", { href: EXPLORE }, "the explorer's tree"));
      p.appendChild(document.createTextNode("."));
      box.appendChild(p);
      throw err;
    });
  }
  function drawMap(d) {
    var box = document.getElementById("psr-map");
    var note = document.getElementById("psr-map-note");
    var geo = d.location && d.location.geojson;
    if (!geo || !window.L) {
      box.hidden = true;
      note.textContent = "No location or outline is on record for " + PSR + ".";
      return;
    }
    var map = window.L.map(box, { zoomSnap: 0.25, attributionControl: true });
    var layer = window.L.geoJSON(geo, {
      style: { color: "#332288", weight: 2, fillColor: "#88CCEE", fillOpacity: 0.35 },
      pointToLayer: function (f, latlng) {
        return window.L.circleMarker(latlng, { radius: 7, color: "#332288", fillColor: "#CC6677", fillOpacity: 0.9 });
      },
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { maxZoom: 9, padding: [10, 10] });
    var tiles = root.dataset.tiles;
    if (tiles) window.L.tileLayer(tiles, { attribution: root.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    note.textContent = tiles ? "" : "Drawn on a plain background (no map tiles: this server works offline).";
  }

  // ---------------------------------------------------------------- the page
  function fillControls(view) {
    document.getElementById("ctl-start").value = view.start;
    document.getElementById("ctl-end").value = view.end;
    document.getElementById("ctl-resolution").value = view.resolution;
    document.getElementById("ctl-unit").value = view.unit;
  }
  function render() {
    var run = ++state.run;
    var view = readView();
    var ready = view.start ? Promise.resolve(view) : lastDataDay().then(function (last) {
      var end = last || localDate(Date.now());
      view.end = end;
      view.start = addDays(end, -6);
      window.history.replaceState(null, "", query(view));
      return view;
    });
    return ready.then(function (v) {
      if (run !== state.run) return;
      fillControls(v);
      document.getElementById("psr-status").textContent = "Showing " + rangeText(v.start, v.end) + " (" + state.tz +
        "), resolution " + v.resolution + ", energy in " + v.unit + ".";
      var rest = CHARTS.slice(1);
      // The first chart first: the others' requests would compete with it for the server.
      return renderSeriesChart(CHARTS[0], v, run).then(function () {
        if (run !== state.run) return;
        return Promise.all(rest.map(function (c) {
          return c.capacity ? renderCapacity(c, v, run) : renderSeriesChart(c, v, run);
        })).then(function () { return quickPicks(v); });
      });
    });
  }

  function start(asked) {
    buildSections();
    var form = document.getElementById("psr-controls");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var data = new FormData(form);
      var view = { start: data.get("start"), end: data.get("end"), resolution: data.get("resolution"), unit: data.get("unit") };
      if (view.end < view.start) {
        var t = view.start;
        view.start = view.end;
        view.end = t;
      }
      go(query(view));
    });
    ["ctl-resolution", "ctl-unit"].forEach(function (id) {
      document.getElementById(id).addEventListener("change", function () { form.requestSubmit(); });
    });
    document.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest("a[data-view]");
      if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
      e.preventDefault();
      go(new URL(a.href).search);
    });
    window.addEventListener("popstate", function () { render(); });
    window.addEventListener("resize", function () {
      Object.keys(state.sections).forEach(function (k) {
        var inst = window.echarts.getInstanceByDom(state.sections[k].plot);
        if (inst) inst.resize();
      });
    });
    describe(asked).then(render, function () { /* the error is on the page */ });
  }
  // This script runs before ECharts and Leaflet are evaluated (1.2 MB of them): the description is asked for at
  // once, and drawn when the page's other scripts have run.
  var asked = Promise.all([
    getJSON(API + "/describe"),
    getJSON(API + "/topology").catch(function () { return null; }),
  ]);
  asked.catch(function () { /* shown by describe() */ });
  // Deferred scripts run in order before DOMContentLoaded (the document is "interactive" already when this one runs).
  if (window.echarts && window.L) {
    start(asked);
  } else {
    var started = false;
    var begin = function () {
      if (started) return;
      started = true;
      start(asked);
    };
    document.addEventListener("DOMContentLoaded", begin);
    window.addEventListener("load", begin);
  }
})();
