// Upload an OCR file with a progress bar (large files take a while), then open its page.
(function () {
  "use strict";
  var form = document.getElementById("ocr-upload");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var bar = document.getElementById("ocr-progress");
  var text = document.getElementById("ocr-progress-text");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    bar.hidden = false;
    bar.value = 0;
    text.textContent = text.dataset.uploading;
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.upload.addEventListener("load", function () {
      bar.value = 100;
      text.textContent = text.dataset.processing;
    });
    xhr.addEventListener("load", function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {}; }
      text.textContent = answer.message || text.dataset.failed;
      form.dataset.outcome = answer.status || "FAILED";
      if (answer.url) window.location.assign(answer.url);
    });
    xhr.addEventListener("error", function () {
      text.textContent = text.dataset.failed;
      form.dataset.outcome = "FAILED";
    });
    xhr.send(new FormData(form));
  });
})();
