// Keeps the dashboard's figures current without a reload (short polling of /staff/api/summary).
(function () {
  var root = document.querySelector('[data-staff-live]');
  if (!root) return;
  var money = function (minor, currency) {
    var digits = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: currency.toUpperCase(),
    }).resolvedOptions().maximumFractionDigits;
    var unit = Math.pow(10, digits);
    return new Intl.NumberFormat('en-US', {
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
        set('donors', String(s.donors));
        set('paidGifts', String(s.paidGifts));
        set('activePledges', String(s.activePledges));
        set('percent', (s.percent >= 1 ? Math.floor(s.percent) : s.percent.toFixed(1)) + '%');
        if (s.lastWebhook)
          set('lastWebhook', s.lastWebhook.at.replace('T', ' ').slice(0, 19) + ' UTC (' + s.lastWebhook.type + ')');
      })
      .catch(function () {});
  }
  setInterval(refresh, 15000);
})();
