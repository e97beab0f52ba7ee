// Progressive enhancement only: the form works without this file (the server renders the
// preselected amount and the button's words). This keeps them true as the reader chooses:
// tiles per frequency, "Another amount" only once something is typed, the button's
// "Donate $25 monthly", and errors found before sending, with the focus on the field. The
// words and the locale come from the server (data-form), in the reader's language.
(function () {
  var form = document.querySelector('form.donate');
  if (!form) return;
  var cfg = JSON.parse(form.getAttribute('data-form') || '{}');
  form.classList.add('js');
  var other = form.querySelector('input[name="other_amount"]');
  var otherRadio = form.querySelector('input[name="amount"][value="other"]');
  var cover = form.querySelector('input[name="cover_fees"]');
  var button = form.querySelector('[data-give-what]');
  // With the script the button always says the current choice; the plain "Donate" is for without it.
  var plain = form.querySelector('.give-plain');
  if (plain) plain.remove();
  var feeAmount = form.querySelector('[data-fee-amount]');
  var error = document.getElementById('donate-error');
  var locale = cfg.locale || 'en-US';
  // Stripe's minor units for the currency, as the server counts them (lib/money.ts).
  var digits = cfg.digits;
  // The locale's decimal mark: "1.000" is a thousand in German (as lib/appeal/donation-options.ts reads it).
  var commaDecimal = new Intl.NumberFormat(locale).format(1.5).indexOf(',') !== -1;
  var unit = Math.pow(10, digits);

  function money(minor) {
    var whole = minor % unit === 0;
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: cfg.currency,
      minimumFractionDigits: whole ? 0 : digits,
      maximumFractionDigits: digits,
    }).format(minor / unit);
  }
  function frequency() {
    var f = form.querySelector('input[name="frequency"]:checked');
    return f && f.value === 'monthly' ? 'monthly' : 'once';
  }
  function tiles() {
    return Array.prototype.slice.call(form.querySelectorAll('.amount-grid input[name="amount"]'));
  }
  function checkedTile() {
    return form.querySelector('.amount-grid input[name="amount"]:checked');
  }
  // The tiles of the other frequency are hidden by the stylesheet (:has).
  function inList(t) {
    return cfg.presets[frequency()].indexOf(Number(t.value)) !== -1;
  }
  // As the server reads it (lib/appeal/typed-amount.ts): a sign or code goes, then plain digits,
  // the locale's own groups of three, one decimal mark, or cents after the other convention's mark.
  function clean(raw) {
    var mark = '([A-Za-z]{3}|[A-Za-z]{1,2}\\$|[$€£¥₹]|zł|kr)';
    var s = raw.trim();
    // A sign or code goes only when a number is left beside it ("ten" stays, and is refused).
    [new RegExp('^' + mark + '\\s*', 'i'), new RegExp('\\s*' + mark + '$', 'i')].forEach(function (re) {
      var rest = s.replace(re, '');
      if (rest !== s && /\d/.test(rest)) s = rest;
    });
    s = s.replace(/[\s\u00a0\u202f']/g, '');
    if (/^\d+$/.test(s)) return s;
    var grp = commaDecimal ? '\\.' : ',';
    var d = commaDecimal ? ',' : '\\.';
    var m = new RegExp('^(\\d{1,3}(?:' + grp + '\\d{3})+)(?:' + d + '(\\d+))?$').exec(s);
    if (m) return m[1].replace(/[.,]/g, '') + (m[2] === undefined ? '' : '.' + m[2]);
    m = new RegExp('^(\\d+)' + d + '(\\d+)$').exec(s) || /^(\d+)[.,](\d{1,2})$/.exec(s);
    return m ? m[1] + '.' + m[2] : s;
  }
  function typed() {
    var v = clean(other.value);
    return /^\d{1,9}(\.0+)?$/.test(v) ? parseInt(v, 10) : null;
  }
  function allowed(n, f) {
    return n !== null && ((n >= cfg.min && n <= cfg.max) || cfg.presets[f].indexOf(n) !== -1);
  }
  // The gift shown, whole units; null when none is (yet) chosen.
  function amount() {
    var t = checkedTile();
    if (t) return Number(t.value);
    var n = typed();
    return otherRadio.checked && allowed(n, frequency()) ? n : null;
  }
  function fee(minor) {
    var step = cfg.step || 1;
    return Math.round((minor * Math.round(cfg.feePercent * 10)) / 1000 / step) * step;
  }

  function update() {
    var a = amount();
    var f = frequency();
    var minor = a === null ? null : a * unit;
    if (feeAmount) feeAmount.textContent = minor === null ? '' : ' (' + money(fee(minor)) + ')';
    var charge = minor === null ? null : minor + (cover && cover.checked ? fee(minor) : 0);
    button.textContent = charge === null ? cfg.buttons.none : cfg.buttons[f].replace(cfg.slot, money(charge));
  }

  function clearError() {
    error.hidden = true;
    error.textContent = '';
    other.removeAttribute('aria-invalid');
    other.removeAttribute('aria-describedby');
  }
  function showError(message) {
    error.textContent = message;
    error.hidden = false;
    other.setAttribute('aria-invalid', 'true');
    other.setAttribute('aria-describedby', 'donate-error');
    other.focus();
  }

  // Typing takes over from the tiles; emptying the field gives the last tile back. Only
  // typing does: passing through the field with Tab changes nothing.
  var lastTile = checkedTile();
  var touched = false; // the reader chose a tile (else a frequency's preselected one stands in)
  other.addEventListener('input', function () {
    clearError();
    if (other.value.trim() !== '') otherRadio.checked = true;
    else if (lastTile && inList(lastTile)) lastTile.checked = true;
    update();
  });
  tiles().forEach(function (t) {
    t.addEventListener('change', function () {
      lastTile = t;
      touched = true;
      // What the form shows is what is charged: a tile empties the field.
      other.value = '';
      clearError();
      update();
    });
  });
  otherRadio.addEventListener('change', function () {
    other.focus();
    update();
  });

  // Each frequency has its own tiles and preselected one, which replaces a tile the reader did
  // not choose, or one the new list lacks.
  form.querySelectorAll('input[name="frequency"]').forEach(function (r) {
    r.addEventListener('change', function () {
      var f = frequency();
      var t = checkedTile();
      if (!otherRadio.checked && (!touched || !t || !inList(t))) {
        var d = form.querySelector('.amount-grid input[value="' + cfg.defaults[f] + '"]');
        if (d) {
          d.checked = true;
          lastTile = d;
        }
      }
      update();
    });
  });
  if (cover) cover.addEventListener('change', update);

  // The server's own checks and words (lib/appeal/donation-options.ts), before anything is sent.
  form.addEventListener('submit', function (e) {
    if (checkedTile()) return;
    var raw = clean(other.value);
    var m = cfg.messages;
    var message = null;
    if (raw === '') message = m.enterAmount;
    else if (!/^\d+(\.\d+)?$/.test(raw)) message = m.notNumber;
    else if (!/^\d+(\.0+)?$/.test(raw)) message = m.cents;
    else if (!allowed(parseInt(raw, 10), frequency())) message = m.range;
    if (message) {
      e.preventDefault();
      showError(message);
    }
  });
  update();
})();
