/* Answer boxes: check an exercise's answer on the static page, with the checker's own
 * verdicts sealed into the page when the book was built (resnet_lib/book/answer_boxes.py,
 * whose read_typed, canonical, entry_id and unseal this script mirrors, tested on the same
 * inputs). No server, no CDN, no framework; SHA-256 is computed here because the browser's
 * crypto.subtle exists only in secure contexts, and the book is read from file:// and
 * plain http:// too. */
(function () {
  "use strict";

  // ---------------------------------------------------------------- SHA-256 (FIPS 180-4)
  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);

  function sha256(bytes) {
    var n = bytes.length, total = ((n + 9 + 63) >> 6) << 6;
    var m = new Uint8Array(total);
    m.set(bytes);
    m[n] = 0x80;
    var bits = n * 8;
    for (var i = 0; i < 8; i++) { m[total - 1 - i] = (i < 4) ? (bits >>> (8 * i)) & 0xff : Math.floor(bits / Math.pow(2, 8 * i)) & 0xff; }
    var h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    var w = new Uint32Array(64);
    function rotr(x, r) { return (x >>> r) | (x << (32 - r)); }
    for (var off = 0; off < total; off += 64) {
      for (var t = 0; t < 16; t++) {
        w[t] = (m[off + 4 * t] << 24) | (m[off + 4 * t + 1] << 16) | (m[off + 4 * t + 2] << 8) | m[off + 4 * t + 3];
      }
      for (t = 16; t < 64; t++) {
        var s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
        var s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (t = 0; t < 64; t++) {
        var S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        var ch = (e & f) ^ (~e & g);
        var t1 = (k + S1 + ch + K[t] + w[t]) | 0;
        var S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        var maj = (a & b) ^ (a & c) ^ (b & c);
        var t2 = (S0 + maj) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
    var out = new Uint8Array(32);
    for (i = 0; i < 8; i++) {
      out[4 * i] = h[i] >>> 24; out[4 * i + 1] = (h[i] >>> 16) & 0xff;
      out[4 * i + 2] = (h[i] >>> 8) & 0xff; out[4 * i + 3] = h[i] & 0xff;
    }
    return out;
  }

  var utf8 = new TextEncoder();
  function sha(parts) { return sha256(utf8.encode(parts.join("|"))); }
  function hex(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) { s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16); }
    return s;
  }

  // ---------------------------------------------------------------- the text format
  var GROUPED = /^([+-]?)([0-9]{1,3}(?:[,_ ][0-9]{3})+)(\.[0-9]*)?(e[+-]?[0-9]+)?$/;
  var PLAIN = /^([+-]?)([0-9]+)?(\.[0-9]*)?(e[+-]?[0-9]+)?$/;
  var MAX_EXPONENT = 30;

  function readTyped(text) {
    var t = String(text).normalize("NFKC").trim().toLowerCase().replace(/\u2212/g, "-");
    var m = GROUPED.exec(t) || PLAIN.exec(t);
    if (!m) { return null; }
    var whole = (m[2] || "").replace(/[,_ ]/g, ""), fraction = (m[3] || ".").slice(1);
    if (!whole && !fraction) { return null; }
    var digits = (whole + fraction).replace(/^0+/, "");
    var power = (m[4] ? parseInt(m[4].slice(1), 10) : 0) - fraction.length;
    var stripped = digits.replace(/0+$/, "");
    power += digits.length - stripped.length;
    if (!stripped) { return {negative: false, digits: "", exponent: 0}; }
    var typed = {negative: m[1] === "-", digits: stripped, exponent: power};
    if (Math.abs(power + stripped.length - 1) > MAX_EXPONENT) { return null; }
    return typed;
  }

  function canonical(typed, integer, digits) {
    if (!typed.digits) { return "0"; }
    var sign = typed.negative ? "-" : "";
    if (integer) {
      if (typed.exponent < 0) { return null; }
      return sign + typed.digits + "0".repeat(typed.exponent);
    }
    var kept = typed.digits.slice(0, digits), lead = typed.exponent + typed.digits.length - 1;
    if (typed.digits.length > digits && typed.digits[digits] >= "5") {
      var rounded = (BigInt(kept) + 1n).toString();
      if (rounded.length > kept.length) { lead += 1; }
      kept = rounded.slice(0, digits);
    }
    return sign + (kept.replace(/0+$/, "") || "0") + "e" + lead;
  }

  function entryId(salt, answer) { return hex(sha([salt, "id", answer])).slice(0, 32); }

  function unseal(salt, answer, sealed) {
    var data = Uint8Array.from(atob(sealed), function (ch) { return ch.charCodeAt(0); });
    var key = sha([salt, "key", answer]);
    var out = new Uint8Array(data.length);
    for (var block = 0; block * 32 < data.length; block++) {
      var input = new Uint8Array(36);
      input.set(key);
      input[32] = (block >>> 24) & 0xff; input[33] = (block >>> 16) & 0xff;
      input[34] = (block >>> 8) & 0xff; input[35] = block & 0xff;
      var stream = sha256(input);
      for (var i = 0; i < 32 && block * 32 + i < data.length; i++) {
        out[block * 32 + i] = data[block * 32 + i] ^ stream[i];
      }
    }
    return JSON.parse(new TextDecoder().decode(out));
  }

  /* A few numbers as typed: separated by commas, semicolons or spaces, optionally in
   * brackets; each a plain number (resnet_lib.book.answer_boxes._numbers). */
  function numbers(text) {
    var t = String(text).normalize("NFKC").trim().toLowerCase().replace(/^[\[(]\s*|\s*[\])]$/g, "");
    var parts = t.split(/[,;\s]+/).filter(function (p) { return p; });
    if (!parts.length) { return null; }
    var found = [];
    for (var i = 0; i < parts.length; i++) {
      var typed = PLAIN.test(parts[i]) ? readTyped(parts[i]) : null;
      if (!typed) { return null; }
      found.push(typed);
    }
    return found;
  }

  /* The options a reader chose, as a key ("c,d,e"), or null where a piece names none
   * (resnet_lib.book.answer_boxes._chosen). */
  function chosen(text, aliases) {
    var t = String(text).normalize("NFKC").toLowerCase(), found = {};
    var pieces = t.split(/[,;\/+&]|\band\b/).filter(function (p) { return p.trim(); });
    for (var i = 0; i < pieces.length; i++) {
      var key = pieces[i].replace(/[^a-z0-9]/g, "");
      if (!key) { continue; }
      if (Object.prototype.hasOwnProperty.call(aliases, key)) { found[aliases[key]] = true; continue; }
      var words = pieces[i].split(/\s+/).map(function (w) { return w.replace(/[^a-z0-9]/g, ""); })
        .filter(function (w) { return w; });
      if (!words.length) { return null; }
      for (var j = 0; j < words.length; j++) {
        if (!Object.prototype.hasOwnProperty.call(aliases, words[j])) { return null; }
        found[aliases[words[j]]] = true;
      }
    }
    var keys = Object.keys(found).sort();
    return keys.length ? keys.join(",") : null;
  }

  function opened(box, key) {
    if (key === null) { return null; }
    var id = entryId(box.salt, key);
    if (!Object.prototype.hasOwnProperty.call(box.entries, id)) { return null; }
    var found = unseal(box.salt, key, box.entries[id]);
    found.kind = "checker";
    return found;
  }

  /* What the box shows for `text`: the checker's sealed verdict, or the box's words
   * (resnet_lib.book.answer_boxes.page_verdict). */
  function verdict(box, text) {
    function said(kind) {
      var found = {kind: kind, ok: false, message: box.words[kind]};
      if (kind === "other" && box.other) { found.hint = box.other.hint; found.steps = box.other.steps; }
      return found;
    }
    if (box.choices) {
      var choice = chosen(text, box.choices);
      return (choice === null ? null : opened(box, choice)) || said("unreadable");
    }
    if (box.several) {
      var all = numbers(text);
      if (!all) { return said("unreadable"); }
      var keys = all.map(function (n) { return canonical(n, true, 0); });
      if (keys.indexOf(null) >= 0) { return said("whole"); }
      return opened(box, keys.join(";")) || said("other");
    }
    var typed = readTyped(text);
    if (!typed) { return said("unreadable"); }
    if (box.integer) {
      var key = canonical(typed, true, 0);
      if (key === null) { return said("whole"); }
      return opened(box, key) || said("other");
    }
    for (var i = 0; i < box.digits.length; i++) {
      var found = opened(box, canonical(typed, false, box.digits[i]) + "@" + box.digits[i]);
      if (found) { return found; }
    }
    return opened(box, canonical(typed, true, 0)) || said("other");
  }

  // ---------------------------------------------------------------- the boxes on the page
  function line(parent, label, text) {
    var p = document.createElement("p");
    if (label) {
      var b = document.createElement("strong");
      b.textContent = label + " ";
      p.appendChild(b);
    }
    p.appendChild(document.createTextNode(text));
    parent.appendChild(p);
    return p;
  }

  function show(root, box, found) {
    var out = root.querySelector(".answer-box-verdict");
    out.textContent = "";
    out.dataset.kind = found.kind;
    out.dataset.ok = found.ok ? "true" : "false";
    out.className = "answer-box-verdict " + (found.ok ? "answer-right" : "answer-wrong");
    line(out, found.ok ? box.words.correct : box.words.notyet, found.message);
    if (found.hint) { line(out, box.words.hint, found.hint); }
    var steps = found.steps || [], shown = 0;
    if (steps.length) {
      var more = document.createElement("button");
      more.type = "button";
      more.className = "answer-box-more";
      more.textContent = box.words.more;
      more.addEventListener("click", function () {
        var label = box.words.step.replace("{step}", shown + 1).replace("{steps}", steps.length);
        out.insertBefore(line(document.createElement("div"), label, steps[shown]).parentNode.firstChild, more);
        shown += 1;
        if (shown >= steps.length) { more.remove(); }
      });
      out.appendChild(more);
    }
  }

  function setUp(root) {
    var data = root.querySelector("script.answer-box-data");
    if (!data || root.dataset.ready) { return; }
    var box = JSON.parse(data.textContent);
    root.dataset.ready = "true";
    var form = root.querySelector("form");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      show(root, box, verdict(box, form.querySelector("input").value));
    });
  }

  window.resnetAnswerBoxes = {readTyped: readTyped, canonical: canonical, entryId: entryId,
                              unseal: unseal, verdict: verdict, numbers: numbers, chosen: chosen,
                              sha256: sha256};
  function all() { document.querySelectorAll(".answer-box").forEach(setUp); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", all); } else { all(); }
})();
