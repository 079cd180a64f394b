// The script of a `sipstorm report` page: reads the result file embedded in the page (script element
// #sipstorm-result) and builds the summary tables and the uPlot charts. When all is drawn the page's
// title starts with "sipstorm report: ok"; any error shows in a banner and turns the title into
// "sipstorm report: error ..." (the browser test checks that).
(function () {
  "use strict";

  var errors = [];
  var plots = [];  // {u: uPlot, el: container}
  var status = "running";

  function message(e) {
    if (e && e.message) return e.message + (e.stack ? " @ " + String(e.stack).split("\n")[1] : "");
    return String(e);
  }
  function setTitle() {
    var scenario = result && typeof result.scenario === "string" ? result.scenario : "";
    if (errors.length) {
      document.title = "sipstorm report: error " + errors.join(" | ");
    } else {
      document.title = "sipstorm report: " + status + (scenario ? " \u2014 " + scenario : "");
    }
    document.body.setAttribute("data-status", errors.length ? "error" : status);
    document.body.setAttribute("data-plots", String(plots.length));
  }
  function recordError(where, e) {
    errors.push(where + ": " + message(e));
    var box = document.getElementById("report-error");
    if (!box) {
      box = el("div", { id: "report-error", "class": "banner error" });
      document.getElementById("banners").appendChild(box);
    }
    box.textContent = "This report could not be drawn completely:\n" + errors.join("\n");
    setTitle();
  }
  window.addEventListener("error", function (ev) { recordError("script", ev.error || ev.message); });
  window.addEventListener("unhandledrejection", function (ev) { recordError("promise", ev.reason); });

  // ---- small helpers ----------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) if (attrs[k] != null) e.setAttribute(k, attrs[k]);
    (children || []).forEach(function (c) {
      if (c == null) return;
      e.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    });
    return e;
  }
  function isNum(v) { return typeof v === "number" && isFinite(v); }
  function num(v) { return isNum(v) ? v : 0; }
  function obj(v) { return v && typeof v === "object" && !Array.isArray(v) ? v : {}; }
  // Integers with thousands separators; other values with 3 significant decimals at most.
  function fmt(v, digits) {
    if (v == null || (typeof v === "number" && isNaN(v))) return "n/a";
    if (typeof v === "boolean") return v ? "yes" : "no";
    if (typeof v !== "number") return String(v);
    if (!isFinite(v)) return v > 0 ? "inf" : "-inf";
    if (Number.isInteger(v)) return v.toLocaleString("en-US");
    var a = Math.abs(v), d = digits != null ? digits : a >= 100 ? 1 : a >= 10 ? 2 : a >= 1 ? 3 : 4;
    return v.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: 0 });
  }
  function pct(part, whole) { return whole > 0 ? fmt(100 * part / whole, 2) + "%" : "n/a"; }

  // A two-column table of [label, value, cls] rows.
  function kvTable(caption, rows) {
    var t = el("table", { "class": "kv" }, [el("caption", null, [caption])]);
    rows.forEach(function (r) {
      if (!r) return;
      t.appendChild(el("tr", null, [el("th", null, [r[0]]), el("td", { "class": r[2] || "num" }, [r[1]])]));
    });
    return t;
  }

  var PALETTE = ["#0969da", "#1a7f37", "#cf222e", "#8250df", "#bf8700", "#e16f24", "#1b7c83", "#bf3989",
                 "#57606a", "#6639ba"];

  // ---- the data -----------------------------------------------------------------------------------

  var result = JSON.parse(document.getElementById("sipstorm-result").textContent);
  var series = Array.isArray(result.series) ? result.series.filter(function (r) { return r && typeof r === "object"; }) : [];
  var calls = obj(result.calls), rate = obj(result.rate), gen = obj(result.generator);
  var lat = obj(result.latency_ms), retrans = obj(result.retransmissions), msgs = obj(result.messages);
  var hists = obj(result.histograms);

  // ---- header and banners -------------------------------------------------------------------------

  function header() {
    var title = "sipstorm report" + (result.scenario ? ": " + result.scenario : "");
    document.getElementById("title").textContent = title;
    var bits = [];
    if (result.target) bits.push("target " + result.target);
    if (isNum(result.started_unix_ms) && result.started_unix_ms > 0)
      bits.push("started " + new Date(result.started_unix_ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC"));
    if (isNum(result.duration_s)) bits.push(fmt(result.duration_s, 2) + " s");
    var sub = document.getElementById("subtitle");
    if (bits.length) sub.textContent = bits.join(" \u00b7 ") + " \u00b7 " + sub.textContent;

    var banners = document.getElementById("banners");
    if (gen.saturated === true) {
      banners.appendChild(el("div", { "class": "banner saturated", id: "saturated" }, [
        "\u26a0 GENERATOR SATURATED: sipstorm itself may have limited this run; rates and latencies " +
        "understate what was asked for. Do not read these numbers as the target's capacity.",
        el("small", null, [gen.saturation_reason || "see generator health below"])]));
    }
    if (isNum(result.schema_version) && result.schema_version > 1) {
      banners.appendChild(el("div", { "class": "banner error" }, [
        "This result file has schema_version " + result.schema_version + "; this report knows version 1 " +
        "and shows the keys it knows."]));
    }
    if (result.interrupted === true) {
      banners.appendChild(el("div", { "class": "banner bad", id: "interrupted" }, [
        "The run was interrupted (Ctrl-C or SIGTERM) before its end: calls still live then count as aborted."]));
    }
    var attempted = num(calls.attempted), failed = num(calls.failed);
    if (failed > 0) {
      banners.appendChild(el("div", { "class": "banner bad" }, [
        fmt(failed) + " of " + fmt(attempted) + " calls failed (" + pct(failed, attempted) + ")"]));
    } else if (attempted > 0) {
      banners.appendChild(el("div", { "class": "banner ok" }, ["All " + fmt(attempted) + " calls succeeded"]));
    } else {
      banners.appendChild(el("div", { "class": "banner bad" }, ["No call was attempted"]));
    }
  }

  // ---- gates --------------------------------------------------------------------------------------

  function gates() {
    // Absent in older files; an empty array when the run had no --gate.
    if (!Array.isArray(result.gates) || !result.gates.length) return;
    document.getElementById("gates-heading").hidden = false;
    var failed = result.gates.filter(function (g) { return !(g && g.pass === true); }).length;
    var box = document.getElementById("gates");
    box.appendChild(el("div", { "class": "banner " + (failed ? "bad" : "ok"), id: "gates-verdict" }, [
      failed ? "Gates: " + failed + " of " + result.gates.length + " FAILED"
             : "Gates: all " + result.gates.length + " passed"]));
    var t = el("table", { id: "gates-table" }, [el("tr", null, [
      el("th", null, ["gate"]), el("th", { "class": "num" }, ["value"]),
      el("th", { "class": "num" }, ["threshold"]), el("th", null, ["verdict"]), el("th", null, ["explanation"])])]);
    result.gates.forEach(function (g) {
      g = obj(g);
      var value = g.value;
      t.appendChild(el("tr", null, [
        el("td", null, [el("code", null, [g.expr != null ? g.expr : "?"])]),
        el("td", { "class": "num" }, [value == null ? "n/a" : fmt(value)]),
        el("td", { "class": "num" }, [g.threshold == null ? "" : fmt(g.threshold)]),
        el("td", { "class": g.pass === true ? "pass" : "fail" }, [
          g.pass === true ? "PASS" : "FAIL"]),
        el("td", null, [g.explanation != null ? String(g.explanation) : ""])]));
    });
    box.appendChild(t);
  }

  // ---- summary tables -----------------------------------------------------------------------------

  function summary() {
    var box = document.getElementById("summary");
    var attempted = num(calls.attempted);
    var rows = [
      ["attempted", fmt(calls.attempted)],
      ["succeeded", fmt(calls.succeeded) + " (" + pct(num(calls.succeeded), attempted) + ")"],
      ["failed", fmt(calls.failed) + " (" + pct(num(calls.failed), attempted) + ")", num(calls.failed) ? "num fail" : "num"]];
    var byReason = obj(calls.failed_by_reason);
    Object.keys(byReason).forEach(function (k) {
      if (num(byReason[k])) rows.push(["\u2003failed: " + k, fmt(byReason[k]), "num fail"]);
    });
    var byDetail = obj(calls.failed_by_detail);
    Object.keys(byDetail).forEach(function (k) {
      if (num(byDetail[k])) rows.push(["\u2003\u2003" + k, fmt(byDetail[k]), "num"]);
    });
    rows.push(["live at end", fmt(calls.concurrent_at_end)]);
    rows.push(["target rate (calls/s)", num(rate.target) > 0 ? fmt(rate.target) : "none (--concurrent)"]);
    rows.push(["achieved rate (calls/s)", fmt(rate.achieved) +
               (num(rate.target) > 0 ? " (" + pct(num(rate.achieved), rate.target) + " of target)" : "")]);
    if (isNum(rate.load_duration_s)) rows.push(["calls started over (s)", fmt(rate.load_duration_s)]);
    rows.push(["duration (s)", fmt(result.duration_s)]);
    box.appendChild(kvTable("Calls", rows));

    // Latency percentiles, one row per distribution.
    var lt = el("table", { id: "latency-table" }, [el("caption", null, ["Latency (ms)"])]);
    var stats = ["count", "p50", "p90", "p99", "p999", "max", "mean"];
    lt.appendChild(el("tr", null, [el("th", null, [""])].concat(stats.map(function (s) {
      return el("th", { "class": "num" }, [s === "p999" ? "p99.9" : s]);
    }))));
    function latRow(name, l) {
      l = obj(l);
      lt.appendChild(el("tr", null, [el("th", null, [name])].concat(stats.map(function (s) {
        return el("td", { "class": "num" }, [l[s] == null ? "" : fmt(l[s])]);
      }))));
    }
    latRow("setup", lat.setup);
    latRow("call", lat.call);
    var resp = obj(lat.response);
    Object.keys(resp).forEach(function (m) { latRow("response " + m, resp[m]); });
    box.appendChild(lt);

    var rrows = [["retransmissions", fmt(retrans.total), num(retrans.total) ? "num warn" : "num"]];
    var byType = obj(retrans.by_type);
    Object.keys(byType).forEach(function (k) {
      if (num(byType[k])) rrows.push(["\u2003" + k, fmt(byType[k])]);
    });
    rrows.push(["unexpected messages", fmt(msgs.unexpected), num(msgs.unexpected) ? "num warn" : "num"]);
    rrows.push(["parse errors", fmt(msgs.parse_errors), num(msgs.parse_errors) ? "num warn" : "num"]);
    var mi = obj(msgs["in"]), mo = obj(msgs.out);
    var reqOut = obj(mo.requests), respIn = obj(mi.responses);
    var sent = Object.keys(reqOut).filter(function (k) { return num(reqOut[k]); })
      .map(function (k) { return k + " " + fmt(reqOut[k]); }).join(", ");
    var got = Object.keys(respIn).filter(function (k) { return num(respIn[k]); })
      .map(function (k) { return k + " " + fmt(respIn[k]); }).join(", ");
    if (sent) rrows.push(["requests sent", sent, "num"]);
    if (got) rrows.push(["responses received", got, "num"]);
    box.appendChild(kvTable("Retransmissions and messages", rrows));

    // RTP media (RFC 3550 figures per stream, summarised over the streams).
    var media = obj(result.media);
    if (num(media.streams) > 0) {
      var q = function (o, k) { return isNum(obj(o)[k]) ? fmt(obj(o)[k]) : "n/a"; };
      var digits = obj(media.dtmf_received);
      box.appendChild(kvTable("Media (RTP)", [
        ["streams", fmt(media.streams), "num"],
        ["packets out / in", fmt(media.packets_out) + " / " + fmt(media.packets_in), "num"],
        ["lost", fmt(media.lost) + " (" + fmt(media.loss_pct) + "%)", num(media.lost) ? "num warn" : "num"],
        ["calls with no RTP", fmt(media.no_rtp_calls), num(media.no_rtp_calls) ? "num fail" : "num"],
        ["jitter p50 / p99 (ms)", q(media.jitter_ms, "p50") + " / " + q(media.jitter_ms, "p99"), "num"],
        ["MOS p5 / p50", q(media.mos, "p5") + " / " + q(media.mos, "p50"), "num"],
        ["DTMF received", Object.keys(digits).map(function (d) { return d + " " + fmt(digits[d]); }).join(", ") || "none"]]));
    }

    var limits = obj(gen.limits);
    var busy = Array.isArray(gen.busy_share) ? gen.busy_share : [];
    var busyLimit = isNum(limits.busy_share) ? limits.busy_share : null;
    var grows = [
      ["saturated", gen.saturated === true ? "YES" : gen.saturated === false ? "no" : "n/a",
       gen.saturated === true ? "fail" : "pass"]];
    if (gen.saturated === true && gen.saturation_reason) grows.push(["why", gen.saturation_reason, "fail"]);
    grows.push(["schedule lag max (ms)", fmt(gen.lag_ms_max) + (isNum(limits.lag_ms) ? " (limit " + fmt(limits.lag_ms) + ")" : ""),
                isNum(limits.lag_ms) && num(gen.lag_ms_max) > limits.lag_ms ? "num fail" : "num"]);
    busy.forEach(function (b, i) {
      grows.push(["busy share, shard " + i, pct(num(b), 1) + (busyLimit != null ? " (limit " + pct(busyLimit, 1) + ")" : ""),
                  busyLimit != null && num(b) > busyLimit ? "num fail" : "num"]);
    });
    grows.push(["receive drops", fmt(gen.rx_drops), num(gen.rx_drops) ? "num fail" : "num"]);
    grows.push(["send errors", fmt(gen.tx_errors), num(gen.tx_errors) ? "num warn" : "num"]);
    grows.push(["shards", fmt(result.shards)]);
    box.appendChild(kvTable("Generator health", grows));

    // TCP/TLS: the connections and their faults (nothing on UDP runs).
    var conns = obj(result.connections);
    var cfail = obj(conns.failed_by_reason);
    if (num(conns.opened) + num(conns.accepted) + num(conns.failed) > 0) {
      var crows = [["transport", result.transport || "", ""]];
      if (result.tls_insecure === true) crows.push(["certificates", "NOT verified (--tls-insecure)", "fail"]);
      if (conns.tls) crows.push(["TLS", conns.tls, ""]);
      crows.push(["opened / accepted", fmt(conns.opened) + " / " + fmt(conns.accepted), "num"]);
      crows.push(["closed", fmt(conns.closed), "num"]);
      crows.push(["most open at once", fmt(conns.peak), "num"]);
      if (num(conns.reconnects)) crows.push(["reconnects", fmt(conns.reconnects), "num warn"]);
      if (num(conns.tls_resumed)) crows.push(["TLS sessions resumed", fmt(conns.tls_resumed), "num"]);
      crows.push(["failed", fmt(conns.failed), num(conns.failed) ? "num fail" : "num"]);
      Object.keys(cfail).forEach(function (k) {
        if (num(cfail[k])) crows.push(["\u2003" + k, fmt(cfail[k]), "num fail"]);
      });
      var clat = obj(result.latency_ms);
      ["connect", "handshake"].forEach(function (k) {
        var l = obj(clat[k]);
        if (num(l.count)) crows.push([k + " time p50 / p99 / max (ms)", fmt(l.p50, 3) + " / " + fmt(l.p99, 3) + " / " + fmt(l.max, 3), "num"]);
      });
      crows.push(["bytes in / out", fmt(conns.bytes_in) + " / " + fmt(conns.bytes_out), "num"]);
      box.appendChild(kvTable("Connections", crows));
    }

    var tool = obj(result.tool);
    box.appendChild(kvTable("Run", [
      ["scenario", result.scenario || "", ""],
      ["target", result.target || "", ""],
      ["command line", el("code", null, [result.command_line || ""]), ""],
      ["sipstorm", tool.version || "", ""]]));
  }

  // ---- time charts --------------------------------------------------------------------------------

  function chartBox(parent, id, title, note) {
    var box = el("div", { "class": "chart", id: id }, [el("h3", null, [title])]);
    if (note) box.appendChild(el("p", { "class": "note" }, [note]));
    parent.appendChild(box);
    return box;
  }
  function chartWidth(box) { return Math.max(400, (box.clientWidth || 1000) - 26); }

  // Adds a uPlot chart to `box`. `spec`: {series: [uPlot series...], data: [x, ys...], y: axis
  // label, y2: right axis label (series with scale "y2"), logY, bars, height, xLabel, hooks}.
  function plot(box, spec) {
    var y2 = spec.series.some(function (s) { return s.scale === "y2"; });
    var opts = {
      width: chartWidth(box),
      height: spec.height || 260,
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      scales: {
        x: spec.xScale || { time: false },
        y: spec.logY ? { distr: 3, log: 10 } : { range: function (u, min, max) { return [Math.min(0, min), max > 0 ? max * 1.08 : 1]; } }
      },
      axes: [
        { label: spec.xLabel || "time (s)", values: spec.xValues },
        { label: spec.y, size: 70 }
      ],
      series: [{ label: spec.xLegend || "t (s)", value: spec.xLegendValue }].concat(spec.series),
      hooks: spec.hooks || {}
    };
    if (y2) {
      opts.scales.y2 = spec.y2Range ? { range: spec.y2Range } : {};
      opts.axes.push({ scale: "y2", side: 1, label: spec.y2, size: 60, grid: { show: false } });
    }
    var u = new uPlot(opts, spec.data, box);
    plots.push({ u: u, el: box });
    return u;
  }

  function line(label, color, extra) {
    var s = { label: label, stroke: color, width: 1.6, points: { show: false } };
    for (var k in extra || {}) s[k] = extra[k];
    return s;
  }

  // The rate asked for at time t: --rate, or the --rate-ramp FROM:TIME ramp towards it.
  function targetRate(t) {
    var target = num(rate.target);
    if (!(target > 0)) return null;
    var m = /--rate-ramp[ =]([0-9.]+):([0-9.]+)(ms|s|m|h)?/.exec(result.command_line || "");
    if (!m) return target;
    var from = parseFloat(m[1]), span = parseFloat(m[2]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 }[m[3] || "s"]);
    if (!(span > 0) || t >= span) return target;
    return from + (target - from) * (t / span);
  }

  function timeCharts() {
    var box = document.getElementById("charts");
    if (!series.length) {
      box.appendChild(el("p", { "class": "empty" }, ["This result has no per-second series (e.g. a merged result): no plots over time."]));
      return;
    }
    var t = series.map(function (r) { return num(r.t); });
    var per = function (r, key) {
      var iv = num(r.interval_s);
      return iv > 0 ? num(r[key]) / iv : num(r[key]);
    };

    // 1. Rates.
    var rateSeries = [], rateData = [t];
    if (num(rate.target) > 0) {
      // The asked-for rate at the middle of each interval.
      rateSeries.push(line("target", "#57606a", { dash: [6, 4], width: 1.4 }));
      // Up to the last second in which calls were started (after it the run only drains).
      var lastStart = -1;
      series.forEach(function (r, i) { if (num(r.attempted) > 0) lastStart = i; });
      rateData.push(series.map(function (r, i) {
        return i <= lastStart ? targetRate(num(r.t) - num(r.interval_s) / 2) : null;
      }));
    }
    rateSeries.push(line("attempted/s", PALETTE[0], { width: 2 }));
    rateData.push(series.map(function (r) { return isNum(r.cps) ? r.cps : per(r, "attempted"); }));
    rateSeries.push(line("succeeded/s", PALETTE[1], { width: 2 }));
    rateData.push(series.map(function (r) { return per(r, "succeeded"); }));
    rateSeries.push(line("failed/s", PALETTE[2]));
    rateData.push(series.map(function (r) { return per(r, "failed"); }));
    plot(chartBox(box, "chart-rate", "Call rate: asked for, attempted and achieved (calls/s)",
                  "Attempted: calls started in each second. Succeeded/failed: calls that ended so in that second."),
         { series: rateSeries, data: rateData, y: "calls/s" });

    // 2. Concurrent calls.
    plot(chartBox(box, "chart-concurrent", "Concurrent calls"),
         { series: [line("live calls", PALETTE[3], { width: 2, fill: "rgba(130,80,223,0.12)" })],
           data: [t, series.map(function (r) { return num(r.concurrent); })], y: "calls" });

    // TCP/TLS: connections open and opened per second.
    if (series.some(function (r) { return num(r.connections) > 0 || num(r.connections_opened) > 0; })) {
      plot(chartBox(box, "chart-connections", "Connections (TCP/TLS): open, and opened per second"),
           { series: [line("open", PALETTE[0], { width: 2 }), line("opened/s", PALETTE[1])],
             data: [t, series.map(function (r) { return num(r.connections); }),
                    series.map(function (r) { return per(r, "connections_opened"); })], y: "connections" });
    }

    // RTP media: loss and jitter over time, where the run carried media.
    if (series.some(function (r) { return num(obj(r.media).packets_in) > 0 || num(obj(r.media).packets_out) > 0; })) {
      var m = function (r) { return obj(r.media); };
      plot(chartBox(box, "chart-media", "Media: packet loss (%) and jitter p99 (ms) per second",
                    "Loss: packets lost of those expected in each second (RFC 3550 A.3). Jitter: p99 of the interarrival " +
                    "jitter of the streams that ended in that second (A.8)."),
           { series: [line("loss (%)", PALETTE[2], { width: 2 }),
                      line("jitter p99 (ms)", PALETTE[0], { width: 2, scale: "y2", spanGaps: false })],
             data: [t, series.map(function (r) { return num(m(r).expected) > 0 ? 100 * num(m(r).lost) / num(m(r).expected) : 0; }),
                    series.map(function (r) { return isNum(m(r).jitter_p99_ms) && num(m(r).streams_ended) > 0 ? m(r).jitter_p99_ms : null; })],
             y: "loss (%)", y2: "jitter (ms)" });
      plot(chartBox(box, "chart-media-packets", "Media: RTP packets per second and live streams"),
           { series: [line("in/s", PALETTE[1], { width: 2 }), line("out/s", PALETTE[3]),
                      line("live streams", PALETTE[4], { scale: "y2" })],
             data: [t, series.map(function (r) { return num(m(r).packets_in) / (num(r.interval_s) || 1); }),
                    series.map(function (r) { return num(m(r).packets_out) / (num(r.interval_s) || 1); }),
                    series.map(function (r) { return num(m(r).live); })],
             y: "packets/s", y2: "streams" });
    }

    // 3. Failures by reason, stacked bars. Each series holds the running sum up to its reason and
    //    the tallest is drawn first, so that the bars stack; the legend shows the reason's own count.
    var reasons = [];
    series.forEach(function (r) {
      var f = obj(r.failed_by_reason);
      Object.keys(f).forEach(function (k) { if (num(f[k]) && reasons.indexOf(k) < 0) reasons.push(k); });
    });
    var failBox = chartBox(box, "chart-failures", "Failed calls by reason (per second, stacked)",
                           reasons.length ? null : "No call failed.");
    var raw = reasons.map(function (k) { return series.map(function (r) { return num(obj(r.failed_by_reason)[k]); }); });
    var failSeries = [], failData = [t];
    if (!reasons.length) {
      failSeries.push(line("failed", PALETTE[2]));
      failData.push(series.map(function (r) { return num(r.failed); }));
    } else {
      var colors = { timeout: "#cf222e", "4xx": "#bf8700", "5xx": "#e16f24", "6xx": "#bf3989",
                     transport_error: "#8250df", unexpected_message: "#0969da", aborted: "#57606a", other: "#1b7c83" };
      var bars = uPlot.paths.bars({ size: [0.8, 60], align: 0 });
      for (var i = reasons.length - 1; i >= 0; i--) {
        (function (i) {
          var c = colors[reasons[i]] || PALETTE[i % PALETTE.length];
          failSeries.push({ label: reasons[i], stroke: c, fill: c, width: 0, paths: bars, points: { show: false },
                            value: function (u, v, si, idx) { return idx == null ? "--" : fmt(raw[i][idx]); } });
          failData.push(t.map(function (_, idx) {
            var s = 0;
            for (var j = 0; j <= i; j++) s += raw[j][idx];
            return s;
          }));
        })(i);
      }
    }
    plot(failBox, { series: failSeries, data: failData, y: "failed calls" });

    // 4. Retransmissions and stray messages.
    plot(chartBox(box, "chart-retrans", "Retransmissions and unexpected messages (per second)"),
         { series: [line("retransmissions/s", PALETTE[4], { width: 2 }), line("unexpected/s", PALETTE[6]),
                    line("parse errors/s", PALETTE[9])],
           data: [t, series.map(function (r) { return per(r, "retransmissions"); }),
                  series.map(function (r) { return per(r, "unexpected"); }),
                  series.map(function (r) { return per(r, "parse_errors"); })],
           y: "messages/s" });

    // 5. Setup time percentiles per second (log scale; seconds without a setup are gaps).
    var setupKeys = [["setup_p50_ms", "p50", PALETTE[1]], ["setup_p99_ms", "p99", PALETTE[4]], ["setup_max_ms", "max", PALETTE[2]]];
    var anyPositive = false;
    var setupData = [t].concat(setupKeys.map(function (k) {
      return series.map(function (r) {
        var v = r[k[0]];
        var ok = isNum(v) && v > 0 && !(isNum(r.setup_count) && r.setup_count === 0);
        if (ok) anyPositive = true;
        return ok ? v : null;
      });
    }));
    plot(chartBox(box, "chart-setup", "Call setup time per second (ms): p50, p99, max",
                  "From each INVITE's intended send time to its 200 (no coordinated omission); log scale."),
         { series: setupKeys.map(function (k) { return line(k[1], k[2], { width: k[1] === "max" ? 1.2 : 2, spanGaps: false }); }),
           data: setupData, y: "ms", logY: anyPositive });

    // 6. Generator health: schedule lag and busy share, with the saturation limits.
    var limits = obj(gen.limits);
    var hs = [line("lag max (ms)", PALETTE[2], { width: 2 }),
              line("busy share (%)", PALETTE[0], { width: 2, scale: "y2" })];
    var hd = [t, series.map(function (r) { return num(r.lag_max_ms); }),
              series.map(function (r) { return 100 * num(r.busy_share); })];
    if (isNum(limits.busy_share)) {
      hs.push(line("busy limit (%)", PALETTE[0], { dash: [4, 4], width: 1, scale: "y2" }));
      hd.push(t.map(function () { return 100 * limits.busy_share; }));
    }
    plot(chartBox(box, "chart-health", "Generator health: schedule lag and busy share",
                  "Lag: how late the shards started calls against the schedule" +
                  (isNum(limits.lag_ms) ? " (saturated above " + fmt(limits.lag_ms) + " ms)" : "") +
                  ". Busy share: the shards' time spent working, all shards together."),
         { series: hs, data: hd, y: "lag (ms)", y2: "busy (%)", y2Range: function () { return [0, 100]; } });
  }

  // ---- histograms ---------------------------------------------------------------------------------

  // The buckets of a histogram in the result's sparse log-linear format, as value ranges in µs:
  // [{lo, hi, count}] with hi exclusive (see engine/stats/histogram.hpp bucket_low/bucket_width).
  function decodeBuckets(h) {
    var bits = isNum(h.sub_bucket_bits) ? h.sub_bucket_bits : 7, sub = Math.pow(2, bits);
    var out = [];
    (Array.isArray(h.buckets) ? h.buckets : []).forEach(function (p) {
      if (!Array.isArray(p) || !isNum(p[0]) || !isNum(p[1]) || p[1] <= 0) return;
      var b = p[0], lo, w;
      if (b < 2 * sub) { lo = b; w = 1; } else {
        var shift = Math.floor(b / sub) - 1;
        w = Math.pow(2, shift);
        lo = ((b % sub) + sub) * w;
      }
      out.push({ lo: lo, hi: lo + w, count: p[1] });
    });
    out.sort(function (a, b) { return a.lo - b.lo; });
    return out;
  }

  // The value (µs) at percentile p like Histogram::percentile: the bucket's midpoint, within [min, max].
  function percentile(buckets, total, p, h) {
    var rank = Math.min(total, Math.max(1, Math.ceil(p / 100 * total))), seen = 0;
    for (var i = 0; i < buckets.length; i++) {
      seen += buckets[i].count;
      if (seen >= rank) {
        var mid = buckets[i].lo + Math.floor((buckets[i].hi - buckets[i].lo - 1) / 2);
        if (isNum(h.min)) mid = Math.max(mid, h.min);
        if (isNum(h.max)) mid = Math.min(mid, h.max);
        return mid;
      }
    }
    return isNum(h.max) ? h.max : 0;
  }

  // Re-bins the buckets into equal steps on a log scale (each bucket's count shared among the bins
  // it overlaps, in proportion), so that the bars have one width on the log axis.
  function logBins(buckets) {
    var lo = Math.max(1, buckets[0].lo), hi = Math.max(lo * 1.5, buckets[buckets.length - 1].hi);
    var decades = Math.log10(hi / lo);
    var perDecade = Math.max(8, Math.min(60, Math.floor(90 / Math.max(decades, 0.3))));
    var n = Math.max(1, Math.ceil(decades * perDecade));
    var edges = [];
    for (var i = 0; i <= n; i++) edges.push(lo * Math.pow(10, i / perDecade));
    var counts = new Array(n).fill(0);
    buckets.forEach(function (b) {
      var blo = Math.max(b.lo, lo), bhi = Math.max(b.hi, blo + 1e-9), width = bhi - blo;
      var first = Math.max(0, Math.min(n - 1, Math.floor(Math.log10(blo / lo) * perDecade)));
      for (var k = first; k < n && edges[k] < bhi; k++) {
        var overlap = Math.min(bhi, edges[k + 1]) - Math.max(blo, edges[k]);
        if (overlap > 0) counts[k] += b.count * overlap / width;
      }
    });
    return { edges: edges, counts: counts };
  }

  function histogramChoices() {
    var list = [];
    function add(key, label, h, unit, what) {
      if (h && typeof h === "object" && num(h.count) > 0 && Array.isArray(h.buckets))
        list.push({ key: key, label: label, h: h, unit: unit || "ms", what: what || "calls" });
    }
    add("setup_us", "call setup time (INVITE sent to 200)", hists.setup_us);
    add("call_us", "call duration", hists.call_us);
    var r = obj(hists.response_us);
    Object.keys(r).forEach(function (m) { add("response_us." + m, "response time of " + m, r[m]); });
    // RTP media: per-stream values (the MOS histogram counts thousandths of a point).
    add("media_mos_milli", "media: MOS per stream (E-model)", hists.media_mos_milli, "MOS", "streams");
    add("media_jitter_us", "media: interarrival jitter per stream", hists.media_jitter_us, "ms", "streams");
    return list;
  }

  function histogramChart(box, choice) {
    var h = choice.h, buckets = decodeBuckets(h);
    var total = buckets.reduce(function (s, b) { return s + b.count; }, 0);
    if (!buckets.length || total <= 0) {
      box.appendChild(el("p", { "class": "empty" }, ["No samples."]));
      return;
    }
    var bins = logBins(buckets);
    var xs = [], ys = [], ranges = [];
    for (var i = 0; i < bins.counts.length; i++) {
      xs.push(Math.sqrt(bins.edges[i] * bins.edges[i + 1]) / 1000);
      ys.push(bins.counts[i]);
      ranges.push([bins.edges[i] / 1000, bins.edges[i + 1] / 1000]);
    }
    var marks = [["p50", 50], ["p90", 90], ["p99", 99], ["p99.9", 99.9]].map(function (m) {
      return { label: m[0], ms: percentile(buckets, total, m[1], h) / 1000 };
    });
    if (isNum(h.max)) marks.push({ label: "max", ms: h.max / 1000 });
    var note = fmt(total) + " samples in " + buckets.length + " histogram buckets, shown in " + xs.length +
      " log-spaced bins. " + marks.map(function (m) { return m.label + " " + fmt(m.ms) + " " + choice.unit; }).join(", ") + ".";
    box.appendChild(el("p", { "class": "note" }, [note]));
    var lastX = xs[xs.length - 1], firstX = xs[0];
    plot(box, {
      series: [{ label: choice.what, stroke: PALETTE[0], fill: "rgba(9,105,218,0.35)", width: 1, points: { show: false },
                 paths: uPlot.paths.bars({ size: [1, Infinity], gap: 1, align: 0 }),
                 value: function (u, v, si, idx) { return idx == null ? "--" : fmt(Math.round(ys[idx])) + " (" + pct(ys[idx], total) + ")"; } }],
      data: [xs, ys],
      y: "samples per bin",
      xLabel: choice.unit + " (log scale)",
      xScale: { time: false, distr: 3, log: 10, range: function () { return [firstX / 1.15, lastX * 1.15]; } },
      xLegend: "range (" + choice.unit + ")",
      xLegendValue: function (u, v, si, idx) { return idx == null ? "--" : fmt(ranges[idx][0]) + " \u2013 " + fmt(ranges[idx][1]); },
      height: 300,
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, top = u.bbox.top, bottom = u.bbox.top + u.bbox.height;
          ctx.save();
          ctx.font = Math.round(11 * devicePixelRatio) + "px system-ui, sans-serif";
          ctx.textAlign = "left";
          marks.forEach(function (m, i) {
            if (!(m.ms > 0)) return;
            var x = u.valToPos(m.ms, "x", true);
            if (!(x >= u.bbox.left && x <= u.bbox.left + u.bbox.width)) return;
            ctx.strokeStyle = m.label === "max" ? "#cf222e" : "#57606a";
            ctx.setLineDash([5 * devicePixelRatio, 4 * devicePixelRatio]);
            ctx.lineWidth = devicePixelRatio;
            ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, bottom); ctx.stroke();
            ctx.fillStyle = ctx.strokeStyle;
            ctx.fillText(m.label, x + 3 * devicePixelRatio, top + (12 + 12 * (i % 3)) * devicePixelRatio);
          });
          ctx.restore();
        }]
      }
    });
  }

  function histogramSection() {
    var box = document.getElementById("histograms");
    var choices = histogramChoices();
    if (!choices.length) {
      box.appendChild(el("p", { "class": "empty" }, ["This result holds no latency samples."]));
      return;
    }
    var chart = chartBox(box, "chart-histogram", "Latency histogram");
    var select = el("select", { id: "histogram-choice", "aria-label": "histogram" },
                    choices.map(function (c, i) { return el("option", { value: String(i) }, [c.label]); }));
    chart.insertBefore(el("p", { "class": "note" }, ["Distribution of ", select]), chart.childNodes[1] || null);
    var holder = el("div");
    chart.appendChild(holder);
    function show(i) {
      plots = plots.filter(function (p) {
        if (p.el === holder) { p.u.destroy(); return false; }
        return true;
      });
      holder.textContent = "";
      histogramChart(holder, choices[i]);
    }
    select.addEventListener("change", function () {
      try { show(Number(select.value)); } catch (e) { recordError("histogram", e); }
    });
    show(0);
  }

  // ---- run it -------------------------------------------------------------------------------------

  [["header", header], ["gates", gates], ["summary", summary], ["charts", timeCharts],
   ["histograms", histogramSection]].forEach(function (part) {
    try { part[1](); } catch (e) { recordError(part[0], e); }
  });

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      plots.forEach(function (p) { p.u.setSize({ width: chartWidth(p.el), height: p.u.height }); });
    }, 100);
  });

  // uPlot draws in a microtask; check after it that every chart has its canvas.
  status = "drawing";
  setTitle();
  Promise.resolve().then(function () {
    plots.forEach(function (p, i) {
      var c = p.u.root.querySelector("canvas");
      if (!c || !(c.width > 0) || !(c.height > 0)) recordError("plot " + i, "no canvas drawn");
    });
    status = "ok";
    setTitle();
  });
})();
