// Offline search over the released documents. The index is prebuilt by
// antidote (search-index.js sets window.antidoteSearchIndex); nothing is
// fetched, so the site works from a file system and under a strict CSP.
(function () {
  'use strict';
  var index = window.antidoteSearchIndex;
  var form = document.getElementById('search-form');
  var input = document.getElementById('search-input');
  var out = document.getElementById('search-results');
  var status = document.getElementById('search-status');
  if (!index || !form || !input || !out) { return; }
  var terms = new Map();
  index.words.forEach(function (w, i) { terms.set(w, index.postings[i]); });
  form.hidden = false;
  function words(q) {
    return q.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').split(/[^\p{L}\p{N}]+/u).filter(function (w) { return w.length > 1; });
  }
  function search(q) {
    var ws = words(q);
    if (ws.length === 0) { return []; }
    var hits = null;
    ws.forEach(function (w) {
      var docs = terms.get(w) || [];
      if (hits === null) { hits = docs.slice(); }
      else { hits = hits.filter(function (d) { return docs.indexOf(d) >= 0; }); }
    });
    return hits || [];
  }
  function show() {
    var hits = search(input.value);
    while (out.firstChild) { out.removeChild(out.firstChild); }
    hits.slice(0, 100).forEach(function (i) {
      var d = index.docs[i];
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = index.root + d.url;
      a.textContent = d.title;
      li.appendChild(a);
      out.appendChild(li);
    });
    status.textContent = input.value.trim() === '' ? '' : hits.length + (hits.length === 1 ? ' document matches.' : ' documents match.');
  }
  form.addEventListener('submit', function (e) { e.preventDefault(); show(); });
  input.addEventListener('input', show);
  // A link may carry the query: index.html?q=words
  var q = new URLSearchParams(window.location.search).get('q');
  if (q) { input.value = q; show(); }
}());
