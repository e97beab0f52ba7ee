// Progressive enhancement only: the form works without this file.
(function () {
  var other = document.querySelector('input[name="other_amount"]');
  var otherRadio = document.querySelector('input[name="amount"][value="other"]');
  if (other && otherRadio) {
    other.addEventListener('focus', function () {
      otherRadio.checked = true;
    });
    other.addEventListener('input', function () {
      otherRadio.checked = true;
    });
  }
})();
