/* The monthly review page: plain DOM and uPlot, no build step; every figure comes from /v1/reports. */
(function () {
  'use strict';
  var LABELS = [
    ['registrations', 'New registrations'], ['activeParticipants', 'Active at month end'], ['coverageRate', 'Coverage rate'],
    ['listedFarmers', 'Farmers Simluhtan lists'], ['contributions', 'Contributions posted'], ['contributionsAmount', 'Contributions (Rp)'],
    ['inArrears', 'In arrears'], ['lapsed', 'Lapsed'], ['pendingFirstPayment', 'Awaiting first payment'],
    ['jkkReported', 'JKK cases reported'], ['jkkPaidAmount', 'JKK paid (Rp)'], ['jkmReported', 'JKM claims filed'],
    ['jkmPaidAmount', 'JKM paid (Rp)'], ['agentFees', 'Agent fees (Rp)'],
  ];
  var UNIT_COLUMNS = ['registrations', 'activeParticipants', 'coverageRate', 'contributions', 'contributionsAmount', 'inArrears', 'lapsed', 'jkkReported', 'jkmReported', 'agentFees'];
  var nf = new Intl.NumberFormat('en-US');
  var $ = function (id) { return document.getElementById(id); };
  var chart = null;

  function fmt(key, v) {
    if (v === null || v === undefined) return '–';
    if (key === 'coverageRate') return (v * 100).toFixed(2) + ' %';
    return nf.format(v);
  }
  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    return e;
  }
  function get(url) {
    return fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } }).then(function (res) {
      if (res.status === 401) { location.href = '/review/login'; throw new Error('signed out'); }
      return res.json().then(function (body) {
        if (!res.ok) throw new Error(body.detail || ('HTTP ' + res.status));
        return body;
      });
    });
  }
  function thisMonth() {
    var d = new Date(Date.now() + 8 * 3600e3);
    return d.toISOString().slice(0, 7);
  }

  function headline(report) {
    var dl = $('headline');
    dl.textContent = '';
    LABELS.forEach(function (l) {
      var div = el('div');
      div.appendChild(el('dt', l[1]));
      div.appendChild(el('dd', fmt(l[0], report.totals[l[0]]), { id: 'fig-' + l[0], 'data-value': String(report.totals[l[0]]) }));
      dl.appendChild(div);
    });
  }

  function units(report, bpp) {
    $('units-title').textContent = bpp ? 'By village' : 'By BPP';
    var thead = $('units').tHead, tbody = $('units').tBodies[0];
    thead.textContent = ''; tbody.textContent = '';
    var tr = el('tr');
    tr.appendChild(el('th', bpp ? 'Village' : 'BPP'));
    UNIT_COLUMNS.forEach(function (c) { tr.appendChild(el('th', LABELS.filter(function (l) { return l[0] === c; })[0][1])); });
    thead.appendChild(tr);
    report.rows.forEach(function (r) {
      var row = el('tr', undefined, { 'data-key': r.key });
      row.appendChild(el('td', r.name));
      UNIT_COLUMNS.forEach(function (c) { row.appendChild(el('td', fmt(c, r.figures[c]))); });
      tbody.appendChild(row);
    });
  }

  function ranking(r) {
    $('method').textContent = r.method + ' Weights: ' + Object.keys(r.weights).map(function (k) { return k + ' ' + r.weights[k]; }).join(', ') + '.';
    var tbody = $('ranking').tBodies[0];
    tbody.textContent = '';
    r.entries.forEach(function (e) {
      var tr = el('tr', undefined, { 'data-bpp': e.bpp });
      [String(e.rank), e.name, e.score.toFixed(2)].forEach(function (t) { tr.appendChild(el('td', t)); });
      ['coverageGrowth', 'continuity', 'registrations'].forEach(function (p) {
        var part = e.parts[p];
        tr.appendChild(el('td', part.value.toFixed(2) + ' → ' + part.points.toFixed(2) + ' pts'));
      });
      tbody.appendChild(tr);
    });
  }

  function trend(t) {
    var xs = t.points.map(function (_p, i) { return i; });
    var data = [xs, t.points.map(function (p) { return p.activeParticipants; }), t.points.map(function (p) { return p.inArrears; }), t.points.map(function (p) { return p.lapsed; })];
    var labels = t.points.map(function (p) { return p.period; });
    var box = $('trend');
    var width = Math.max(320, Math.min(900, box.clientWidth || 900));
    if (chart) chart.destroy();
    chart = new uPlot({
      width: width, height: 260,
      scales: { x: { time: false } },
      axes: [{ values: function (_u, splits) { return splits.map(function (i) { return labels[i] || ''; }); } }, {}],
      series: [{ value: function (_u, i) { return labels[i] || ''; } },
        { label: 'Active', stroke: '#20603d', width: 2 }, { label: 'In arrears', stroke: '#c77700', width: 2 }, { label: 'Lapsed', stroke: '#b00020', width: 1, dash: [4, 4] }],
    }, data, box);
  }

  // Only the latest pick is shown: an earlier, slower answer must not overwrite it.
  var latest = 0;
  function load() {
    var period = $('period').value, bpp = $('bpp').value;
    if (!period) return;
    var mine = ++latest;
    var q = 'period=' + encodeURIComponent(period) + (bpp ? '&bpp=' + bpp : '');
    var level = bpp ? 'village' : 'bpp';
    $('csv').href = '/v1/reports/monthly?' + q + '&level=' + level + '&format=csv';
    $('status').textContent = 'Loading ' + period + '…';
    $('status').className = '';
    Promise.all([get('/v1/reports/monthly?' + q + '&level=' + level), get('/v1/reports/ranking?period=' + period), get('/v1/reports/trend?' + q)])
      .then(function (all) {
        if (mine !== latest) return;
        var report = all[0];
        $('headline-title').textContent = 'Headline figures, ' + period + (bpp ? ', ' + $('bpp').selectedOptions[0].textContent : ', all of Soppeng');
        headline(report); units(report, bpp); ranking(all[1]); trend(all[2]);
        $('status').textContent = report.provisional
          ? period + ' is not over: figures are provisional, computed live.'
          : period + ': snapshot version ' + report.version + ', produced ' + report.producedAt + '.';
        $('status').className = report.provisional ? 'provisional' : '';
        document.body.setAttribute('data-loaded', period + '|' + bpp);
      })
      .catch(function (err) { if (mine === latest) $('status').textContent = 'Could not load: ' + err.message; });
  }

  $('period').value = new URLSearchParams(location.search).get('period') || thisMonth();
  $('period').max = thisMonth();
  $('pick').addEventListener('change', load);
  $('pick').addEventListener('submit', function (e) { e.preventDefault(); load(); });
  load();
})();
