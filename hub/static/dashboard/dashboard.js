// 辽宁志愿服务数据看板: everything on this page comes from the hub's public
// GraphQL API (POST /graphql), as any front-end team's page would get it.
// Signed in, the session cookie travels with each request and the page sends
// the session's CSRF token in X-CSRF-Token (the hub takes the cookie only
// with it). The choice of region and period lives in the URL.
(function () {
  "use strict";

  var config = JSON.parse(document.body.dataset.config || "{}");
  var PROVINCE = "210000";

  var CATEGORY = {
    STUDY_SUPPLIES: "学习用品", SPORTS_CULTURE: "文体产品", BOOKS: "图书读物",
    MEDICAL_DEVICES: "医疗器械", FOOD_MEDICINE: "食品药品", CLOTHING: "衣物鞋帽",
    HOUSEHOLD: "小家电日用品", POLICY_TALK: "理论政策宣讲", PERFORMANCE: "文化艺术演出",
    TUTORING: "学习辅导", SCIENCE_TALK: "科普讲座", LEGAL_AID: "法律援助", SANITATION: "卫生环保",
    HOUSEKEEPING: "家政培训", PRODUCTION_HELP: "生产求助", LIVING_HELP: "生活求助",
    MEDICAL_HELP: "医疗求助", OTHER: "其他"
  };
  var GROUP = {
    LEFT_BEHIND_WOMAN: "留守妇女", LEFT_BEHIND_CHILD: "留守儿童", ELDERLY: "老人", DISABLED: "残疾人",
    PARTY_VETERAN: "老党员", ARMY_VETERAN: "老战士", RETIRED_CADRE: "老干部", RETIRED_EXPERT: "老专家",
    RETIRED_TEACHER: "老教师", MORAL_MODEL: "道德模范", LABOR_MODEL: "劳动模范",
    GOOD_PERSON: "辽宁好人", HARDSHIP: "困难群众", OTHER: "其他"
  };
  var STATUS = { PENDING: "待审核", OPEN: "待认领", CLAIMED: "已认领", FULFILLED: "已圆梦", CANCELLED: "已撤销" };
  var HEALTH = { HEALTHY: "正常", STALE: "数据陈旧", FAILING: "失败", NEVER_SYNCED: "从未接入" };
  var CLAIMANT = { TEAM: "志愿服务队伍", VOLUNTEER: "志愿者个人", ENTERPRISE: "企业", ORGANIZATION: "组织、单位" };
  var LEVEL = { PROVINCE: "省", CITY: "市", COUNTY: "县（区）", TOWN: "乡镇（街道）", VILLAGE: "村（社区）" };
  var BELOW = { PROVINCE: "CITY", CITY: "COUNTY", COUNTY: "TOWN" };
  var COLORS = ["#c23531", "#2f4554", "#61a0a8", "#d48265", "#91c7ae", "#749f83", "#ca8622",
                "#bda29a", "#6e7074", "#546570", "#c4ccd3", "#f05b72", "#ef5b9c", "#f47920",
                "#905a3d", "#fab27b", "#2a5caa", "#444693"];

  var $ = function (id) { return document.getElementById(id); };
  var charts = {};
  var cities = [];
  var current = null;  // the state the page shows

  // ------------------------------------------------------------ API

  // The page's operations (hub/static/dashboard/operations/*.graphql), by name,
  // each sent with its SHA-256: a hub that runs only trusted documents runs
  // them once they are registered (`hub documents add`).
  var OPS = {};

  function gql(name, variables) {
    var op = OPS[name];
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    if (config.csrf) { headers["X-CSRF-Token"] = config.csrf; }
    return fetch("/graphql", {
      method: "POST", headers: headers, credentials: "same-origin",
      body: JSON.stringify({
        query: op.body, operationName: name, variables: variables || {},
        extensions: { persistedQuery: { version: 1, sha256Hash: op.id } }
      })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.status === 401) {
          throw new Error("登录已过期或需要密钥，请刷新页面重新登录");
        }
        if (!response.ok || body.errors) {
          var first = (body.errors && body.errors[0]) || {};
          throw new Error(first.message || ("HTTP " + response.status));
        }
        return body.data;
      });
    });
  }

  // ------------------------------------------------------------ state and URL

  function prefixOf(code) {
    if (code.slice(2) === "0000") { return code.slice(0, 2); }
    if (code.slice(4) === "00") { return code.slice(0, 4); }
    return code;
  }

  function levelOf(code) {
    if (code.slice(2) === "0000") { return "PROVINCE"; }
    if (code.slice(4) === "00") { return "CITY"; }
    return "COUNTY";
  }

  function allowed(code) {
    return !config.region || code.indexOf(prefixOf(config.region)) === 0;
  }

  function readState() {
    var params = new URLSearchParams(window.location.search);
    var region = params.get("region") || config.region || PROVINCE;
    if (!/^\d{6}$/.test(region)) { region = config.region || PROVINCE; }
    if (!allowed(region)) { region = config.region; }  // a city key sees its own region only
    var from = params.get("from") || null;
    var to = params.get("to") || null;
    var iso = /^\d{4}-\d{2}-\d{2}$/;
    if (from && !iso.test(from)) { from = null; }
    if (to && !iso.test(to)) { to = null; }
    return { region: region, from: from, to: to };
  }

  function query(state) {
    var params = new URLSearchParams();
    if (state.region !== PROVINCE) { params.set("region", state.region); }
    if (state.from) { params.set("from", state.from); }
    if (state.to) { params.set("to", state.to); }
    var text = params.toString();
    return text ? "?" + text : "";
  }

  function go(state) {
    window.history.pushState(null, "", "/dashboard" + query(state));
    load(state);
  }

  // ------------------------------------------------------------ choosers

  function option(value, text) {
    var el = document.createElement("option");
    el.value = value;
    el.textContent = text;
    return el;
  }

  function fillCities(state) {
    var select = $("city");
    select.textContent = "";
    var mine = config.region ? config.region.slice(0, 4) + "00" : null;
    if (!mine) { select.appendChild(option(PROVINCE, "全省")); }
    cities.forEach(function (c) {
      if (!mine || c.code === mine) { select.appendChild(option(c.code, c.name)); }
    });
    select.value = state.region === PROVINCE ? PROVINCE : state.region.slice(0, 4) + "00";
    select.disabled = Boolean(mine);
  }

  function fillCounties(state) {
    var select = $("county");
    select.textContent = "";
    if (state.region === PROVINCE) {
      select.appendChild(option("", "—"));
      select.disabled = true;
      return Promise.resolve();
    }
    var city = state.region.slice(0, 4) + "00";
    return gql("Counties", { city: city })
      .then(function (data) {
        var countyKey = config.region && levelOf(config.region) === "COUNTY";
        if (!countyKey) { select.appendChild(option(city, "全市")); }
        data.regions.forEach(function (r) {
          if (r.level === "COUNTY" && allowed(r.code)) { select.appendChild(option(r.code, r.name)); }
        });
        select.value = state.region;
        select.disabled = countyKey;
      });
  }

  function fillPeriod(state) {
    $("from").value = state.from || "";
    $("to").value = state.to || "";
    var month = "";
    if (state.from && state.to && state.from.slice(8) === "01" && nextMonth(state.from) === state.to) {
      month = state.from.slice(0, 7);
    }
    $("month").value = month;
  }

  function nextMonth(iso) {
    var y = Number(iso.slice(0, 4));
    var m = Number(iso.slice(5, 7));
    if (m === 12) { y += 1; m = 1; } else { m += 1; }
    return y + "-" + (m < 10 ? "0" : "") + m + "-01";
  }

  function wireChoosers() {
    $("city").addEventListener("change", function () {
      go({ region: this.value, from: current.from, to: current.to });
    });
    $("county").addEventListener("change", function () {
      if (this.value) { go({ region: this.value, from: current.from, to: current.to }); }
    });
    $("month").addEventListener("change", function () {
      if (!this.value) { return; }
      var from = this.value + "-01";
      go({ region: current.region, from: from, to: nextMonth(from) });
    });
    ["from", "to"].forEach(function (id) {
      $(id).addEventListener("change", function () {
        var from = $("from").value || null;
        var to = $("to").value || null;
        if (from && to && from >= to) { status("起始日须早于截止日", true); return; }
        go({ region: current.region, from: from, to: to });
      });
    });
    $("all-time").addEventListener("click", function () {
      go({ region: current.region, from: null, to: null });
    });
    window.addEventListener("popstate", function () { load(readState()); });
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    });
    $("oldest").addEventListener("click", function (event) {
      var row = event.target.closest("tr[data-id]");
      if (row) { showWish(row.dataset.id); }
    });
  }

  // ------------------------------------------------------------ rendering

  function fmt(n) { return Number(n).toLocaleString("zh-CN"); }
  function pct(x) { return (x * 100).toFixed(1) + "%"; }
  function day(iso) { return iso ? iso.slice(0, 10) : "—"; }
  function when(iso) {
    if (!iso) { return "—"; }
    var d = new Date(iso);
    var beijing = new Date(d.getTime() + 8 * 3600 * 1000).toISOString();
    return beijing.slice(0, 10) + " " + beijing.slice(11, 16);
  }

  function status(text, error) {
    var el = $("status");
    el.textContent = text;
    el.className = error ? "status error" : "status";
  }

  function cards(id, items) {
    var box = $(id);
    box.textContent = "";
    items.forEach(function (item) {
      var card = document.createElement("div");
      card.className = "card" + (item.tone ? " " + item.tone : "");
      card.dataset.figure = item.key;
      card.dataset.value = String(item.value);
      var label = document.createElement("span");
      label.className = "label";
      label.textContent = item.label;
      var value = document.createElement("span");
      value.className = "value";
      value.textContent = item.text !== undefined ? item.text : fmt(item.value);
      card.appendChild(label);
      card.appendChild(value);
      if (item.hint) {
        var hint = document.createElement("span");
        hint.className = "hint";
        hint.textContent = item.hint;
        card.appendChild(hint);
      }
      box.appendChild(card);
    });
  }

  function headline(s, periodText) {
    var w = s.wishes;
    var a = s.activities;
    cards("stock", [
      { key: "submitted", label: "征集", value: w.submitted, hint: "本期提交的心愿" },
      { key: "claimed", label: "认领中", value: w.claimed, hint: "其中现已认领、待圆梦" },
      { key: "fulfilled", label: "已圆梦", value: w.fulfilled, hint: "其中现已圆梦" },
      { key: "fulfillmentRate", label: "圆梦率", value: w.fulfillmentRate, text: pct(w.fulfillmentRate),
        hint: "已圆梦 ÷（征集 − 已撤销）", tone: "accent" },
      { key: "open", label: "待认领", value: w.open },
      { key: "overdue", label: "待认领超30天", value: w.overdue, tone: w.overdue ? "warn" : "" }
    ]);
    cards("flow", [
      { key: "flow.submitted", label: "本期征集", value: w.flow.submitted, hint: periodText },
      { key: "flow.claimed", label: "本期认领", value: w.flow.claimed, hint: "按认领日期" },
      { key: "flow.fulfilled", label: "本期圆梦", value: w.flow.fulfilled, hint: "按圆梦日期" },
      { key: "flow.cancelled", label: "本期撤销", value: w.flow.cancelled, hint: "按撤销日期" }
    ]);
    cards("network", [
      { key: "teams", label: "志愿服务队伍", value: s.teams },
      { key: "teamMembers", label: "队员", value: s.teamMembers },
      { key: "activities", label: "服务活动", value: a.activities },
      { key: "sessions", label: "场次", value: a.sessions },
      { key: "beneficiaries", label: "受惠群众人次", value: a.beneficiaries },
      { key: "volunteerHours", label: "服务时长（小时）", value: a.volunteerHours,
        text: fmt(Math.round(a.volunteerHours)) }
    ]);
  }

  function chart(id) {
    if (!charts[id]) { charts[id] = window.echarts.init($(id), null, { renderer: "canvas" }); }
    return charts[id];
  }

  var TEXT = { fontSize: 13 };

  function regionChart(rows, levelName) {
    var names = rows.map(function (r) { return r.region.name; });
    var series = [["征集", "submitted"], ["认领中", "claimed"], ["已圆梦", "fulfilled"]].map(function (p) {
      return { name: p[0], type: "bar", data: rows.map(function (r) { return r.stats.wishes[p[1]]; }) };
    });
    $("regions-title").textContent = "各" + levelName + "心愿（按提交日）";
    var el = $("chart-regions");
    el.dataset.regions = rows.map(function (r) { return r.region.code; }).join(",");
    chart("chart-regions").setOption({
      color: ["#c23531", "#d48265", "#2f8f5b"], textStyle: TEXT,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 }, grid: { left: 56, right: 16, top: 36, bottom: names.length > 14 ? 90 : 48 },
      xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 8 ? 35 : 0 } },
      yAxis: { type: "value" }, series: series
    }, true);
  }

  function monthChart(points) {
    var months = points.map(function (p) { return p.start.slice(0, 7); });
    var series = [["本期征集", "submitted"], ["本期认领", "claimed"], ["本期圆梦", "fulfilled"],
                  ["本期撤销", "cancelled"]].map(function (p) {
      return { name: p[0], type: "line", symbolSize: 6,
               data: points.map(function (x) { return x.stats.wishes.flow[p[1]]; }) };
    });
    chart("chart-months").setOption({
      color: ["#c23531", "#d48265", "#2f8f5b", "#6e7074"], textStyle: TEXT,
      tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 56, right: 16, top: 36, bottom: 36 },
      xAxis: { type: "category", data: months }, yAxis: { type: "value" }, series: series
    }, true);
  }

  function pie(id, data, names) {
    var items = Object.keys(names).map(function (k) {
      return { name: names[k], value: data[k] ? data[k].wishes.submitted : 0 };
    }).filter(function (x) { return x.value > 0; });
    chart(id).setOption({
      color: COLORS, textStyle: TEXT,
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      legend: { type: "scroll", orient: "vertical", right: 0, top: 8, bottom: 8 },
      series: [{ type: "pie", radius: ["38%", "70%"], center: ["36%", "52%"], minShowLabelAngle: 14,
                 label: { formatter: "{d}%" }, data: items }]
    }, true);
  }

  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    row.appendChild(td);
    return td;
  }

  function table(id, headers, rows) {
    var t = $(id);
    t.textContent = "";
    var head = t.createTHead().insertRow();
    headers.forEach(function (h) {
      var th = document.createElement("th");
      th.textContent = h;
      head.appendChild(th);
    });
    var body = t.createTBody();
    rows.forEach(function (fill) { fill(body.insertRow()); });
    if (!rows.length) {
      var empty = body.insertRow();
      var td = cell(empty, "暂无数据", "empty");
      td.colSpan = headers.length;
    }
  }

  function ranking(rows, levelName) {
    var sorted = rows.slice().sort(function (a, b) {
      return b.stats.wishes.fulfillmentRate - a.stats.wishes.fulfillmentRate ||
        a.stats.wishes.overdue - b.stats.wishes.overdue;
    });
    table("ranking", ["#", levelName, "征集", "圆梦率", "待认领超30天", "本期圆梦"], sorted.map(function (r, i) {
      return function (row) {
        row.dataset.code = r.region.code;
        cell(row, String(i + 1));
        cell(row, r.region.name);
        cell(row, fmt(r.stats.wishes.submitted), "num");
        cell(row, pct(r.stats.wishes.fulfillmentRate), "num");
        cell(row, fmt(r.stats.wishes.overdue), r.stats.wishes.overdue ? "num warn" : "num");
        cell(row, fmt(r.stats.wishes.flow.fulfilled), "num");
      };
    }));
  }

  function oldest(connection) {
    table("oldest", ["提交日", "心愿", "类别", "地区", "来源"], connection.edges.map(function (e) {
      var w = e.node;
      return function (row) {
        row.dataset.id = w.id;
        row.className = "link";
        row.title = "查看详情";
        cell(row, day(when(w.submittedAt)));
        cell(row, w.title);
        cell(row, CATEGORY[w.category] || w.category);
        cell(row, w.region.name);
        cell(row, w.source.name);
      };
    }));
  }

  function sources(list) {
    table("sources", ["来源平台", "状态", "最近收到数据", "近24小时拒收", "累计接收"], list.map(function (s) {
      return function (row) {
        cell(row, s.name);
        cell(row, HEALTH[s.health] || s.health, "health " + s.health.toLowerCase());
        cell(row, when(s.lastReceivedAt));
        cell(row, fmt(s.recordsRejectedLastDay), s.recordsRejectedLastDay ? "num warn" : "num");
        cell(row, fmt(s.recordsAccepted), "num");
      };
    }));
  }

  // The monthly line: the 12 months up to the period's last (the whole period
  // when longer; all time without dates), as the workbook's 月度趋势.
  function trendStart(from, to) {
    if (!to) { return from ? from.slice(0, 8) + "01" : null; }
    var last = new Date(Date.parse(to) - 86400000);
    var months = last.getUTCFullYear() * 12 + last.getUTCMonth() - 11;
    var y = Math.floor(months / 12);
    var m = months % 12 + 1;
    var start = y + "-" + (m < 10 ? "0" : "") + m + "-01";
    return !from || start < from ? start : from.slice(0, 8) + "01";
  }

  function periodText(state) {
    if (!state.from && !state.to) { return "全部时间"; }
    var last = state.to ? new Date(Date.parse(state.to) - 86400000).toISOString().slice(0, 10) : "至今";
    return (state.from || "最早") + " 至 " + last;
  }

  // ------------------------------------------------------------ a wish and its history

  function showWish(id) {
    gql("Wish", { id: id }).then(function (data) {
      var w = data.wish;
      var box = $("wish-body");
      box.textContent = "";
      if (!w) { box.textContent = "此心愿已不存在。"; $("wish").showModal(); return; }
      var h = document.createElement("h2");
      h.textContent = w.title;
      box.appendChild(h);
      var facts = document.createElement("dl");
      [["状态", STATUS[w.status] || w.status], ["类别", CATEGORY[w.category] || w.category],
       ["服务对象", (GROUP[w.beneficiaryGroup] || w.beneficiaryGroup) + (w.beneficiaryName ? "（" + w.beneficiaryName + "）" : "")],
       ["地区", w.region.name + "（" + w.region.code + "）"], ["阵地", w.station ? w.station.name : "—"],
       ["来源", w.source.name + " · " + w.sourceId], ["处理层级", LEVEL[w.handlingLevel] || w.handlingLevel]
      ].forEach(function (pair) {
        var dt = document.createElement("dt");
        dt.textContent = pair[0];
        var dd = document.createElement("dd");
        dd.textContent = pair[1];
        facts.appendChild(dt);
        facts.appendChild(dd);
      });
      box.appendChild(facts);
      var events = [{ at: w.submittedAt, text: "提交心愿" }];
      w.claims.forEach(function (c) {
        events.push({ at: c.claimedAt, text: "认领：" + (c.team ? c.team.name : c.claimantName) +
          "（" + (CLAIMANT[c.claimantKind] || c.claimantKind) + "）" });
      });
      if (w.fulfilledAt) { events.push({ at: w.fulfilledAt, text: "圆梦" }); }
      events.sort(function (a, b) { return a.at < b.at ? -1 : 1; });
      if (w.status === "CANCELLED") { events.push({ at: null, text: "已撤销" }); }
      var title = document.createElement("h3");
      title.textContent = "经过";
      box.appendChild(title);
      var list = document.createElement("ol");
      list.className = "timeline";
      events.forEach(function (e) {
        var li = document.createElement("li");
        var time = document.createElement("time");
        time.textContent = e.at ? when(e.at) : "";
        li.appendChild(time);
        li.appendChild(document.createTextNode(" " + e.text));
        list.appendChild(li);
      });
      box.appendChild(list);
      $("wish").showModal();
    }).catch(function (err) { status("读取心愿失败：" + err.message, true); });
  }

  // ------------------------------------------------------------ loading

  function load(state) {
    current = state;
    if (window.location.search !== query(state)) {  // what the page shows, as a link
      window.history.replaceState(null, "", "/dashboard" + query(state));
    }
    var back = document.querySelector("form.signin input[name=next]");
    if (back) { back.value = "/dashboard" + query(state); }  // signing in keeps the choice
    fillCities(state);
    fillPeriod(state);
    $("export").href = "/dashboard/export.xlsx" + query(state);
    status("加载中…");
    var level = BELOW[levelOf(state.region)];
    var f = { regionCode: state.region, from: state.from, to: state.to };
    var vars = { r: state.region, from: state.from, to: state.to };
    return Promise.all([
      gql("Board", { f: f, trend: { regionCode: state.region, from: trendStart(state.from, state.to), to: state.to },
                     level: level, open: { regionCode: state.region, status: ["OPEN"] } }),
      gql("Categories", vars),
      gql("Groups", vars),
      fillCounties(state)
    ]).then(function (got) {
      if (current !== state) { return; }  // a later choice is loading
      var board = got[0];
      var levelName = LEVEL[level];
      document.body.dataset.region = state.region;
      headline(board.stats, periodText(state));
      regionChart(board.statsByRegion, levelName);
      monthChart(board.statsSeries);
      $("months-title").textContent = "月度流量（按事件日期，" +
        (state.from || state.to ? "截至本期的近12个月" : "全部时间") + "）";
      pie("chart-categories", got[1], CATEGORY);
      pie("chart-groups", got[2], GROUP);
      ranking(board.statsByRegion, levelName);
      oldest(board.wishes);
      sources(board.sources);
      var name = $("county").selectedOptions[0] && state.region.slice(4) !== "00"
        ? $("county").selectedOptions[0].textContent
        : ($("city").selectedOptions[0] ? $("city").selectedOptions[0].textContent : "全省");
      document.title = name + " · " + periodText(state) + " · 辽宁志愿服务数据看板";
      status(name + " · " + periodText(state) + " · 待认领 " + fmt(board.wishes.totalCount) + " 件");
      document.body.dataset.loaded = query(state) || "?";
    }).catch(function (err) {
      status("加载失败：" + err.message, true);
    });
  }

  fetch("/dashboard/operations.json", { credentials: "same-origin" }).then(function (r) {
    return r.json();
  }).then(function (manifest) {
    manifest.operations.forEach(function (op) { OPS[op.name] = op; });
    return gql("Cities");
  }).then(function (data) {
    cities = data.regions;
    wireChoosers();
    load(readState());
  }).catch(function (err) { status("加载失败：" + err.message, true); });
})();
