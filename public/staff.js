// Keeps the dashboard's figures current without a reload (short polling of /staff/api/summary).
(function () {
  var root = document.querySelector('[data-staff-live]');
  if (!root) return;
  // The figures in the staff member's own way, as the server wrote them (routes/middleware/staff-locale.ts).
  var locale = root.getAttribute('data-locale') || 'en-US';
  var number = new Intl.NumberFormat(locale);
  var percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 });
  var dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
  var money = function (minor, currency) {
    var digits = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: currency.toUpperCase(),
    }).resolvedOptions().maximumFractionDigits;
    var unit = Math.pow(10, digits);
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: currency.toUpperCase(),
      minimumFractionDigits: minor % unit === 0 ? 0 : digits,
    }).format(minor / unit);
  };
  function refresh() {
    fetch('/staff/api/summary', { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (s) {
        if (!s) return;
        var set = function (k, v) {
          var el = root.querySelector('[data-k="' + k + '"]');
          if (el) el.textContent = v;
        };
        ['raised', 'goal', 'gross', 'refunded', 'disputed', 'disputeLost', 'averageGift'].forEach(function (k) {
          set(k, money(s[k], s.currency));
        });
        set('donors', number.format(s.donors));
        set('paidGifts', number.format(s.paidGifts));
        set('activePledges', number.format(s.activePledges));
        // Rounded down, as the server does: never more than was raised.
        set(
          'percent',
          percent.format(s.percent >= 1 ? Math.floor(s.percent) / 100 : Math.floor(s.percent * 100) / 10000),
        );
        if (s.lastWebhook)
          set('lastWebhook', dateTime.format(new Date(s.lastWebhook.at)) + ' UTC (' + s.lastWebhook.type + ')');
      })
      .catch(function () {});
  }
  setInterval(refresh, 15000);
})();
