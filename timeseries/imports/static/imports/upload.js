// The upload form refuses a file over the size limit before sending it (the server refuses it too, but only
// once the limit has been uploaded), and keeps the button from sending the file twice.
"use strict";

(function () {
  const form = document.getElementById("import-upload-form");
  if (!form) {
    return;
  }
  const input = form.querySelector("input[type=file][data-max-bytes]");
  const button = form.querySelector("button[type=submit]");
  const buttonText = button.textContent;

  function checkSize() {
    const file = input.files && input.files[0];
    const limit = Number(input.dataset.maxBytes);
    if (file && limit && file.size > limit) {
      input.setCustomValidity(
        "This file is " + file.size.toLocaleString("en-US") + " bytes, over the upload limit of " +
          limit.toLocaleString("en-US") + " bytes. Compress it with gzip or split it.",
      );
    } else {
      input.setCustomValidity("");
    }
  }

  if (input) {
    input.addEventListener("change", function () {
      checkSize();
      input.reportValidity();
    });
  }
  form.addEventListener("submit", function (event) {
    if (input) {
      checkSize();
      if (!input.checkValidity()) {
        event.preventDefault();
        input.reportValidity();
        return;
      }
    }
    button.disabled = true;
    button.textContent = "Uploading…";
  });
  // Coming back to the page (the browser's back button) must not leave the button disabled.
  window.addEventListener("pageshow", function () {
    button.disabled = false;
    button.textContent = buttonText;
  });
})();
