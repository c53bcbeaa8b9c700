// The task page: fetch the current task, let the participant listen and pick images, log every interaction
// (with milliseconds since the task opened) and submit it all as one JSON answer.
// A picture can be chosen once it has loaded (its load time is logged); the next task's media load while
// this one is answered; a phone's tap (or the magnifier elsewhere) opens an enlarged view (its time logged).
(function () {
  "use strict";
  const root = document.getElementById("task");
  const strings = JSON.parse(document.getElementById("strings").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const audio = $("clip"), grid = $("grid"), status = $("status"), submitButton = $("submit");
  const zoom = $("zoom"), zoomImage = $("zoom-image"), zoomToggle = $("zoom-toggle");
  const phone = window.matchMedia("(max-width: 600px)");
  let task = null, selected = [], events = [], opened = 0, played = false, busy = false, loads = 0;
  let notice = "", zoomed = null;

  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
  const now = () => Math.round(performance.now() - opened);
  const log = (type, extra) => events.push(Object.assign({ type: type, t: now() }, extra || {}));
  const say = (text, ok) => { status.textContent = text; status.classList.toggle("ok", !!ok); };

  function updateCount() {
    $("count-help").textContent = fill(strings.count, { min: task.min_select, max: task.max_select, count: selected.length });
  }

  function tileOf(id) { return grid.querySelector('.tile[data-id="' + CSS.escape(id) + '"]'); }

  function toggle(id) {
    const button = tileOf(id);
    if (!button || button.disabled) return;
    const on = selected.indexOf(id) === -1;
    if (on && selected.length >= task.max_select) {
      say(fill(strings.need_count, { min: task.min_select, max: task.max_select }));
      return;
    }
    if (on) selected.push(id); else selected.splice(selected.indexOf(id), 1);
    button.setAttribute("aria-pressed", on ? "true" : "false");
    log(on ? "select" : "deselect", { image: id });
    say("");
    updateCount();
  }

  function openZoom(image, k) {
    zoomed = image.id;
    zoomImage.src = image.zoom;
    zoomImage.alt = fill(strings.image, { n: k + 1 });
    syncZoomToggle();
    log("zoom_open", { image: image.id });
    zoom.showModal();
  }

  function syncZoomToggle() {
    const on = selected.indexOf(zoomed) !== -1;
    zoomToggle.textContent = on ? strings.zoom_deselect : strings.zoom_select;
    zoomToggle.setAttribute("aria-pressed", on ? "true" : "false");
  }

  zoom.addEventListener("close", function () {
    if (zoomed !== null) log("zoom_close", { image: zoomed });
    const tile = zoomed !== null ? tileOf(zoomed) : null;
    zoomed = null;
    if (tile) tile.focus();
  });
  zoomToggle.addEventListener("click", function () { toggle(zoomed); syncZoomToggle(); });
  $("zoom-close").addEventListener("click", function () { zoom.close(); });

  function tile(image, k) {
    const wrap = document.createElement("div");
    wrap.className = "tile-wrap";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "tile loading";
    button.dataset.id = image.id;
    button.disabled = true;  // chosen only once the participant can see it
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-label", fill(strings.image_loading, { n: k + 1 }));
    const img = document.createElement("img");
    img.alt = ""; img.decoding = "async";
    img.addEventListener("load", function () {
      button.disabled = false;
      button.classList.remove("loading");
      button.setAttribute("aria-label", fill(strings.image, { n: k + 1 }));
      loads += 1;
      log("image_load", { image: image.id });
    });
    img.src = image.url;
    const mark = document.createElement("span"); mark.className = "mark"; mark.textContent = "\u2713"; mark.setAttribute("aria-hidden", "true");
    const num = document.createElement("span"); num.className = "num"; num.textContent = k + 1; num.setAttribute("aria-hidden", "true");
    button.append(img, mark, num);
    button.addEventListener("click", function () {
      if (phone.matches) openZoom(image, k); else toggle(image.id);
    });
    const magnifier = document.createElement("button");
    magnifier.type = "button";
    magnifier.className = "zoom-button";
    magnifier.setAttribute("aria-label", fill(strings.zoom, { n: k + 1 }));
    magnifier.textContent = "\u2922";
    magnifier.addEventListener("click", function () { openZoom(image, k); });
    wrap.append(button, magnifier);
    return wrap;
  }

  function preload(urls) {
    (urls || []).forEach(function (url) {
      if (/\.(webp|png|jpe?g)$/i.test(url)) { const im = new Image(); im.src = url; }
      else fetch(url, { credentials: "same-origin" }).catch(function () {});
    });
  }

  function render(data, announce) {
    task = data.task; selected = []; events = []; played = false; busy = false; loads = 0;
    opened = performance.now();
    const label = fill(strings.progress, { stage: strings.stage, n: data.number, total: data.total });
    $("progress-label").textContent = label;
    $("progress-fill").style.width = (100 * (data.number - 1) / data.total) + "%";
    $("explanation").hidden = !task.explanation;
    $("explanation").textContent = task.explanation || "";
    $("reveal").hidden = true;
    $("task-body").hidden = false;
    submitButton.disabled = false;
    audio.src = task.audio;
    audio.load();
    grid.replaceChildren.apply(grid, task.images.map(tile));
    document.querySelectorAll('input[name="liked"]').forEach(function (r) { r.checked = false; });
    $("bad-audio").checked = false;
    updateCount();
    say(notice); notice = "";
    log("load");
    preload(data.preload);
    if (announce) {  // a new task replaced the last one: move focus to its heading and say so
      $("announce").textContent = fill(strings.announce, { stage: strings.stage, n: data.number, total: data.total });
      $("task-heading").focus();
    }
  }

  function sessionEnded() { busy = true; submitButton.disabled = true; say(strings.session_ended); }

  function load(announce) {
    fetch(root.dataset.taskUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401) { sessionEnded(); return null; }
        if (!r.ok) throw new Error(r.status);
        return r.json();
      })
      .then(function (data) {
        if (!data) return;
        if (data.done) { window.location.assign(data.next); return; }
        render(data, announce);
        window.scrollTo(0, 0);
      })
      .catch(function () { say(strings.error); });
  }

  audio.addEventListener("play", function () { played = true; log("play", { position: audio.currentTime }); say(""); });
  audio.addEventListener("pause", function () { if (!audio.ended) log("pause", { position: audio.currentTime }); });
  audio.addEventListener("ended", function () { log("ended", { position: audio.currentTime }); });
  audio.addEventListener("seeked", function () { log("seek", { position: audio.currentTime }); });
  $("replay").addEventListener("click", function () { audio.currentTime = 0; audio.play(); });

  submitButton.addEventListener("click", function () {
    if (busy || !task) return;
    const liked = document.querySelector('input[name="liked"]:checked');
    if (!played) { say(strings.need_play); return; }
    if (selected.length < task.min_select || selected.length > task.max_select) {
      say(fill(strings.need_count, { min: task.min_select, max: task.max_select })); return;
    }
    if (!liked) { say(strings.need_liked); return; }
    busy = true; submitButton.disabled = true;
    audio.pause();
    const body = {
      assignment: task.assignment, selected: selected.slice(), liked: liked.value,
      bad_audio: $("bad-audio").checked, interactions: events,
      duration_ms: Math.round(performance.now() - opened)
    };
    fetch(root.dataset.submitUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) { return { status: r.status, data: data }; });
    }).then(function (res) {
      if (res.status === 409) { notice = res.data.message; load(true); return; }  // answered in another tab
      if (res.status === 401 || (res.status === 400 && res.data.field === undefined)) { sessionEnded(); return; }
      if (res.status !== 201) { busy = false; submitButton.disabled = false; say(strings.error); return; }
      say(strings.saved, true);
      if (res.data.reveal) {
        grid.querySelectorAll(".tile, .zoom-button").forEach(function (el) {
          el.disabled = true;
          if (el.classList.contains("tile") && res.data.reveal.indexOf(el.dataset.id) !== -1) el.classList.add("own");
        });
        $("reveal").hidden = false;
        $("continue").focus();
        $("continue").onclick = function () { res.data.done ? window.location.assign(res.data.next) : load(true); };
      } else if (res.data.done) {
        window.location.assign(res.data.next);
      } else {
        load(true);
      }
    }).catch(function () { busy = false; submitButton.disabled = false; say(strings.error); });
  });

  load(false);
})();
