// a2i studio page. Every text from a song (tags, prompts, file names) goes into the page as textContent,
// never as HTML. Every change goes through the studio's JSON API, which calls the a2i library.
"use strict";

const config = JSON.parse(document.getElementById("studio-config").textContent);
const S = config.strings;
const HEADERS = { "X-A2I-Studio": "1" };
const $ = (id) => document.getElementById(id);
const state = { name: null, project: null, source: null, version: null, drafts: {}, cards: {}, peaks: null, playing: null, listed: null };

function t(key, params) {
  let text = S[key] || key;
  for (const [k, v] of Object.entries(params || {})) text = text.replace("{" + k + "}", v);
  return text;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "style") Object.assign(node.style, v); // CSSOM: the page's CSP forbids style attributes
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function clock(seconds) {
  seconds = Math.max(0, Math.round(seconds));
  return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
}

async function api(path, options) {
  let response;
  try {
    response = await fetch(path, { ...(options || {}), headers: { ...HEADERS, ...((options || {}).headers || {}) } });
  } catch (e) {
    throw new Error(S["error.network"]);
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function postJSON(path, body) {
  return api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

// ---- songs list and upload ----------------------------------------------------------------------------
async function loadSongs() {
  const data = await api("/api/projects");
  const list = $("songs");
  list.replaceChildren(...data.projects.map((p) => el("li", {},
    el("a", { href: "#song=" + encodeURIComponent(p.name), "aria-current": p.name === state.name ? "true" : null },
      p.title || p.upload || p.name, el("small", {}, [p.artist, clock(p.duration || 0)].filter(Boolean).join(" · "))))));
  if (!data.projects.length) list.replaceChildren(el("li", { class: "hint" }, S["songs.none"]));
  return data.projects;
}

function showUploadStatus(...nodes) { $("upload-status").replaceChildren(...nodes); }

function upload(file) {
  const form = new FormData();
  form.append("file", file);
  const xhr = new XMLHttpRequest();
  const fill = el("span", { style: { width: "0%" } });
  showUploadStatus(el("div", {}, t("upload.sending", { name: file.name })), el("div", { class: "bar", role: "progressbar", "aria-label": file.name }, fill));
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) fill.style.width = (100 * e.loaded / e.total).toFixed(1) + "%"; };
  xhr.upload.onload = () => {
    performance.mark("a2i-upload-end"); // the moment benchmarks/bench_studio.py measures the first pictures from
    showUploadStatus(el("div", {}, S["upload.checking"]));
  };
  xhr.onload = () => {
    performance.mark("a2i-upload-answered"); // the server's answer (the song stored and checked): benchmarks report it
    let data = {};
    try { data = JSON.parse(xhr.responseText); } catch (e) { data = { error: xhr.statusText }; }
    if (xhr.status === 201) {
      showUploadStatus();
      location.hash = "#song=" + encodeURIComponent(data.project);
      loadSongs();
    } else {
      showUploadStatus(el("p", { class: "error", role: "alert" }, data.error || xhr.statusText));
    }
  };
  xhr.onerror = () => showUploadStatus(el("p", { class: "error", role: "alert" }, S["error.network"]));
  xhr.open("POST", "/api/projects?early=1"); // answered once stored: the first look starts while the file is checked
  xhr.setRequestHeader("X-A2I-Studio", "1");
  performance.mark("a2i-upload-start"); // benchmarks also measure from here: the upload's own time included
  xhr.send(form);
}

function setupUpload() {
  const drop = $("upload");
  $("file").addEventListener("change", (e) => { if (e.target.files.length) upload(e.target.files[0]); e.target.value = ""; });
  for (const type of ["dragenter", "dragover"]) drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add("over"); });
  for (const type of ["dragleave", "drop"]) drop.addEventListener(type, () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); if (e.dataTransfer.files.length) upload(e.dataTransfer.files[0]); });
  document.addEventListener("dragover", (e) => e.preventDefault());
  document.addEventListener("drop", (e) => { e.preventDefault(); if (e.dataTransfer.files.length) upload(e.dataTransfer.files[0]); });
}

// ---- listening -------------------------------------------------------------------------------------------
const audio = $("listen");
function play(start, end, owner) {
  if (!state.name) return;
  const src = "/media/" + encodeURIComponent(state.name) + "/listen.wav";
  if (!audio.src.endsWith(src)) audio.src = src;
  state.playing = { end, owner };
  document.querySelectorAll(".playing").forEach((n) => n.classList.remove("playing"));
  if (owner) owner.classList.add("playing");
  audio.currentTime = start;
  audio.play().catch(() => {});
}
function stop() {
  audio.pause();
  document.querySelectorAll(".playing").forEach((n) => n.classList.remove("playing"));
  state.playing = null;
}
audio.addEventListener("timeupdate", () => { if (state.playing && audio.currentTime >= state.playing.end) stop(); });
document.addEventListener("keydown", (e) => { if (e.key === "Escape") stop(); });

// ---- the song --------------------------------------------------------------------------------------------
function drawWave() {
  const canvas = $("wave");
  const peaks = state.peaks;
  if (!peaks) return;
  const width = canvas.clientWidth || 800;
  canvas.width = width * devicePixelRatio;
  canvas.height = 96 * devicePixelRatio;
  const g = canvas.getContext("2d");
  g.scale(devicePixelRatio, devicePixelRatio);
  const gradient = g.createLinearGradient(0, 0, width, 0);
  gradient.addColorStop(0, "#ff7a59");
  gradient.addColorStop(1, "#7c5cff");
  g.fillStyle = gradient;
  const n = peaks.peaks.length;
  for (let x = 0; x < width; x++) {
    const [lo, hi] = peaks.peaks[Math.min(n - 1, Math.floor(x * n / width))];
    const top = 48 - hi * 44, bottom = 48 - lo * 44;
    g.fillRect(x, top, 1, Math.max(1, bottom - top));
  }
}

function renderTimeline(p) {
  const duration = p.duration || 1;
  const pct = (s) => (100 * s / duration).toFixed(3) + "%";
  const clips = p.clips.length ? p.clips : [];
  $("clips").replaceChildren(...clips.map((c) => {
    const b = el("button", { type: "button", style: { left: pct(c.start), width: pct(c.end - c.start) },
      "aria-label": t("clip", { n: c.index + 1 }) + " " + clock(c.start) + "–" + clock(c.end) }, String(c.index + 1));
    b.addEventListener("mouseenter", () => play(c.start, c.end, b));
    b.addEventListener("focus", () => play(c.start, c.end, b));
    b.addEventListener("mouseleave", stop);
    b.addEventListener("blur", stop);
    b.addEventListener("click", () => { play(c.start, c.end, b); const card = state.cards[c.index]; if (card) card.node.scrollIntoView({ behavior: "smooth", block: "center" }); });
    return b;
  }));
  const colours = ["#ffc857", "#4cc9f0", "#ff7a59", "#5bd6a0", "#c77dff", "#f28482"];
  $("sections").replaceChildren(...p.sections.map((s, i) => el("button", { type: "button", "aria-pressed": state.section === i ? "true" : "false",
    style: { left: pct(s.start), width: `calc(${pct(s.end - s.start)} - 2px)`, background: colours[i % colours.length] },
    title: clock(s.start) + "–" + clock(s.end), onclick: () => pickSection(i) }, String.fromCharCode(65 + (i % 26)))));
  const svg = $("mood");
  const ns = "http://www.w3.org/2000/svg";
  svg.replaceChildren();
  for (const [key, colour] of [["valence", "#ffc857"], ["energy", "#4cc9f0"]]) {
    if (!clips.length) continue;
    const points = clips.map((c) => `${(1000 * (c.start + c.end) / 2 / duration).toFixed(1)},${(115 - 110 * c[key]).toFixed(1)}`).join(" ");
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", points);
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", colour);
    line.setAttribute("stroke-width", "3");
    line.setAttribute("vector-effect", "non-scaling-stroke");
    line.setAttribute("stroke-linejoin", "round");
    line.setAttribute("class", "line-" + key);
    svg.append(line);
    for (const c of clips) {
      const dot = document.createElementNS(ns, "circle");
      dot.setAttribute("cx", (1000 * (c.start + c.end) / 2 / duration).toFixed(1));
      dot.setAttribute("cy", (115 - 110 * c[key]).toFixed(1));
      dot.setAttribute("r", "4");
      dot.setAttribute("fill", colour);
      dot.setAttribute("vector-effect", "non-scaling-stroke");
      const title = document.createElementNS(ns, "title");
      title.textContent = `${t("clip", { n: c.index + 1 })}: ${key} ${c[key].toFixed(2)}`;
      dot.append(title);
      svg.append(dot);
    }
  }
}

// A section's tools: the same change (re-roll, style, own prompt) for every clip in it.
function sectionClips(i) {
  const s = state.project.sections[i];
  return state.project.clips.filter((c) => (c.start + c.end) / 2 >= s.start && (c.start + c.end) / 2 < s.end);
}
function pickSection(i) {
  state.section = state.section === i ? null : i;
  const tools = $("section-tools");
  tools.hidden = state.section === null;
  $("sections").querySelectorAll("button").forEach((b, k) => b.setAttribute("aria-pressed", k === state.section ? "true" : "false"));
  if (state.section === null) return;
  const clips = sectionClips(i).map((c) => c.index + 1);
  $("section-name").textContent = t("section", { name: String.fromCharCode(65 + (i % 26)), clips: clips.length ? clips[0] + "–" + clips[clips.length - 1] : "–" });
  $("section-status").textContent = "";
}
function setupSections() {
  const style = $("section-style");
  style.append(...config.styles.map((s) => el("option", { value: s }, s)));
  const run = (body) => async () => {
    const buttons = $("section-tools").querySelectorAll("button, select");
    buttons.forEach((b) => (b.disabled = true));
    $("section-status").textContent = "…";
    try {
      await postJSON(`/api/projects/${encodeURIComponent(state.name)}/sections/${state.section}/variants`, withEngine(body()));
      $("section-status").textContent = "";
      await refresh();
    } catch (err) { $("section-status").textContent = err.message; }
    finally { buttons.forEach((b) => (b.disabled = false)); }
  };
  $("section-reroll").addEventListener("click", run(() => ({ reroll: true })));
  $("section-paint").addEventListener("click", run(() => ({ prompt: $("section-prompt").value })));
  style.addEventListener("change", run(() => ({ style: style.value || null })));
}

function renderStats(p) {
  const s = p.song;
  const items = [];
  if (s) {
    const conf = s.tempo_confidence === null || s.tempo_confidence === undefined ? "" : t("song.confidence", { value: Math.round(100 * s.tempo_confidence) + "%" });
    items.push([S["song.tempo"], s.tempo_text, conf], [S["song.key"], s.key, ""], [S["song.loudness"], s.loudness + " LUFS", ""],
      [S["song.valence"], s.valence.toFixed(2), ""], [S["song.energy"], s.energy.toFixed(2), ""]);
  }
  items.push([S["song.length"], clock(p.duration || 0), ""]);
  $("stats").replaceChildren(...items.map(([k, v, small]) => el("div", {}, el("dt", {}, k), el("dd", { "data-stat": k }, v, small ? el("small", {}, small) : null))));
}

function renderJobs(jobs) {
  $("jobs").replaceChildren(...jobs.map((j) => {
    const left = [j.frames && j.stage === "rendering" ? t("frames", { done: j.frames[0], total: j.frames[1] }) : "",
      j.eta ? t("left", { time: clock(j.eta) }) : ""].filter(Boolean).join(" · ");
    const active = j.state === "queued" || j.state === "running";
    return el("div", { class: "job", "data-job": j.id, "data-state": j.state, "data-kind": j.kind },
      el("strong", {}, (j.kind === "video" ? "🎬 " : "🎨 ") + (S["stage." + j.stage] || j.stage) + (left ? " · " + left : "")),
      active ? el("button", { type: "button", class: "small", onclick: () => postJSON(`/api/jobs/${j.id}/cancel`, {}).catch(alertError) }, S.cancel) : el("span"),
      el("div", { class: "bar", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": Math.round(100 * j.progress) },
        el("span", { style: { width: `${(100 * j.progress).toFixed(1)}%` } })),
      j.message ? el("div", { class: j.state === "failed" ? "msg error" : "msg" }, j.message) : null);
  }));
}

function alertError(error) {
  $("jobs").prepend(el("p", { class: "error", role: "alert" }, error.message));
}

// The engine new pictures are painted with: the painter (at once, in the web process) or SDXL (queued for the
// worker, which keeps the weights loaded; the job shows in the progress list and the picture when it is done).
function withEngine(body) {
  const picked = document.querySelector('input[name="picture-backend"]:checked');
  return { ...body, backend: picked ? picked.value : "painter" };
}

function chosenPicture(p, clip) {
  const chosen = p.chosen[String(clip.index)];
  return clip.pictures.find((x) => x.image === chosen) || clip.pictures[0] || null;
}

function media(file) { return "/media/" + encodeURIComponent(state.name) + "/" + encodeURIComponent(file); }

function pictureCard(p, clip, centre) {
  const picture = chosenPicture(p, clip);
  const busy = (action) => async (e) => {
    const buttons = card.querySelectorAll("button");
    buttons.forEach((b) => (b.disabled = true));
    try { await action(e); await refresh(); } catch (err) { status.textContent = err.message; status.className = "error"; }
    finally { buttons.forEach((b) => (b.disabled = false)); }
  };
  const base = `/api/projects/${encodeURIComponent(state.name)}/clips/${clip.index}`;
  const status = el("p", { role: "status" });
  const imgBox = el("div", { class: "img" });
  if (picture) {
    imgBox.append(el("img", { src: media(picture.image), alt: picture.description, decoding: "async" }));
  } else if (p.preview && p.preview.clip === clip.index) {
    imgBox.append(el("img", { src: media("preview.png") + "?v=" + state.version, alt: p.preview.prompt || "" }), el("span", { class: "badge" }, S.preview));
  } else {
    imgBox.append(el("div", { class: "pending" }, "…"));
  }
  imgBox.addEventListener("mouseenter", () => play(clip.start, clip.end, null));
  imgBox.addEventListener("mouseleave", stop);
  const styleSelect = el("select", { "aria-label": S.style },
    el("option", { value: "" }, S["style.auto"]), ...config.styles.map((s) => el("option", { value: s, selected: picture && picture.style === s }, s)));
  const draftKey = state.name + ":" + clip.index;
  const prompt = el("textarea", { "aria-label": S.prompt, rows: 3 });
  prompt.value = state.drafts[draftKey] ?? (picture ? picture.prompt || "" : "");
  prompt.addEventListener("input", () => { state.drafts[draftKey] = prompt.value; });
  const variants = el("div", { class: "variants", role: "group", "aria-label": S.variants },
    ...clip.pictures.map((v) => el("button", { type: "button", "aria-pressed": picture && v.image === picture.image ? "true" : "false",
      title: `${S["variant.choose"]} · seed ${v.seed}${v.style ? " · " + v.style : ""}`,
      onclick: (e) => choose(card, base, v, e.currentTarget) }, el("img", { src: media(v.image), alt: v.description, loading: "lazy" }))));
  const card = el("article", { class: "card" + (centre ? " centre" : ""), "data-clip": clip.index, id: "clip-" + clip.index },
    imgBox,
    el("div", { class: "body" },
      el("h3", {}, t("clip", { n: clip.index + 1 }), el("small", {}, clock(clip.start) + "–" + clock(clip.end))),
      picture ? el("p", { class: "desc" }, picture.description) : null,
      picture ? el("details", {}, el("summary", {}, S.prompt), el("p", { class: "prompt" }, picture.prompt || ""),
        el("p", { class: "seed" }, "seed " + picture.seed + (picture.style ? " · " + picture.style : ""))) : null,
      el("div", { class: "row" },
        el("button", { type: "button", class: "reroll", title: S["reroll.help"], disabled: !picture,
          onclick: busy(() => postJSON(base + "/variants", withEngine({ reroll: true }))) }, "↻ " + S.reroll),
        styleSelect),
      prompt,
      el("div", { class: "row" },
        el("button", { type: "button", class: "own-prompt", disabled: !picture, onclick: busy(async () => {
          await postJSON(base + "/variants", withEngine({ prompt: prompt.value }));
          delete state.drafts[draftKey];
        }) }, S["prompt.own"])),
      clip.pictures.length > 1 ? variants : null,
      status));
  styleSelect.addEventListener("change", busy(() => postJSON(base + "/variants", withEngine({ style: styleSelect.value || null }))));
  return card;
}

// Choosing a variant shows it at once (the picture is already loaded as a thumbnail); the choice is saved
// in the background and the card is redrawn from the server's answer.
function choose(card, base, variant, button) {
  card.querySelectorAll(".variants button").forEach((b) => b.setAttribute("aria-pressed", b === button ? "true" : "false"));
  const img = card.querySelector(".img img");
  if (img) { img.src = media(variant.image); img.alt = variant.description; }
  const desc = card.querySelector(".desc");
  if (desc) desc.textContent = variant.description;
  const prompt = card.querySelector(".prompt");
  if (prompt) prompt.textContent = variant.prompt || "";
  postJSON(base + "/choose", { image: variant.image }).then(refresh).catch(alertError);
}

function renderPictures(p) {
  const grid = $("pictures");
  const duration = p.duration || 1;
  let clips = p.clips;
  if (!clips.length && p.preview) clips = [{ index: p.preview.clip, start: p.preview.clip * 10, end: Math.min(duration, p.preview.clip * 10 + 10), pictures: [] }];
  const middle = duration / 2;
  const centre = clips.length ? clips.reduce((a, b) => Math.abs((a.start + a.end) / 2 - middle) <= Math.abs((b.start + b.end) / 2 - middle) ? a : b).index : -1;
  const seen = new Set();
  clips.forEach((clip, i) => {
    const key = JSON.stringify([clip, p.chosen[String(clip.index)], !!p.preview]);
    seen.add(clip.index);
    const old = state.cards[clip.index];
    if (old && old.key === key) return;
    if (old && old.node.contains(document.activeElement) && document.activeElement.tagName === "TEXTAREA") return;
    const node = pictureCard(p, clip, clip.index === centre);
    if (old) old.node.replaceWith(node);
    else grid.insertBefore(node, grid.children[i] || null);
    state.cards[clip.index] = { key, node };
  });
  for (const [index, card] of Object.entries(state.cards)) if (!seen.has(Number(index))) { card.node.remove(); delete state.cards[index]; }
}

function renderVideo(p) {
  const box = $("video");
  if (!p.video) { box.replaceChildren(el("p", { class: "hint" }, S["video.none"])); return; }
  const src = "/download/" + encodeURIComponent(p.name) + "/video.mp4";
  const current = box.querySelector("video");
  if (current && current.dataset.mtime === String(p.video.mtime)) return;
  box.replaceChildren(el("video", { src: src + "?v=" + p.video.mtime, controls: true, preload: "metadata", "data-mtime": p.video.mtime }),
    el("a", { class: "button", href: src, download: p.name + ".mp4", id: "download-video" }, "⬇ " + S["video.download"]));
}

function renderProject(p) {
  state.project = p;
  $("song").hidden = false;
  $("empty").hidden = true;
  const name = p.title || (p.song && p.song.title) || p.upload || p.name;
  $("song-title").textContent = name;
  $("song-sub").replaceChildren([p.artist || (p.song && p.song.artist), p.song && p.song.genre, name === p.upload ? null : p.upload].filter(Boolean).join(" · "),
    ...p.warnings.map((w) => el("span", { class: "warning", role: "note" }, w)));
  $("zip").href = "/download/" + encodeURIComponent(p.name) + "/pictures.zip";
  renderStats(p);
  renderTimeline(p);
  renderPictures(p);
  renderVideo(p);
  renderJobs(p.jobs.filter((j) => j.state === "queued" || j.state === "running" || j.state === "failed"));
}

async function refresh() {
  if (!state.name) return;
  const p = await api("/api/projects/" + encodeURIComponent(state.name));
  const wave = !state.peaks && !p.checking;  // the waveform exists once the upload's check is over
  if (wave) state.peaks = await api(`/api/projects/${encodeURIComponent(state.name)}/peaks`).catch(() => null);
  renderProject(p);
  if (wave) drawWave();
  // The songs list leaves out a song whose upload is being checked: list it (and mark it open) once it is checked.
  if (!p.checking && state.listed !== state.name) { state.listed = state.name; loadSongs(); }
}

// A song refused by its check after the page was answered (or removed elsewhere): say why, leave it.
function refused(error) {
  if (state.source) state.source.close();
  state.source = null;
  state.name = null;
  history.replaceState(null, "", location.pathname + location.search);
  $("song").hidden = true;
  $("empty").hidden = false;
  showUploadStatus(el("p", { class: "error", role: "alert" }, error.message));
  loadSongs();
}

async function open(name) {
  if (state.source) state.source.close();
  stop();
  state.name = name;
  state.cards = {};
  state.section = null;
  $("section-tools").hidden = true;
  $("pictures").replaceChildren();
  state.peaks = null;
  state.listed = null;
  await refresh();
  state.source = new EventSource(`/api/projects/${encodeURIComponent(name)}/events`);
  state.source.addEventListener("project", (e) => {
    const data = JSON.parse(e.data);
    renderJobs(data.jobs);
    if (data.version !== state.version) { state.version = data.version; refresh().catch(refused); }
  });
  // The stream refused (the song was refused or removed between the page's two requests): ask why.
  state.source.addEventListener("error", () => { if (state.name === name) refresh().catch(refused); });
}

function route() {
  const match = location.hash.match(/song=([^&]+)/);
  if (match) open(decodeURIComponent(match[1])).catch((e) => { $("song").hidden = true; $("empty").hidden = false; showUploadStatus(el("p", { class: "error" }, e.message)); });
  else { $("song").hidden = true; $("empty").hidden = false; }
}

// ---- video -----------------------------------------------------------------------------------------------
function setupVideo() {
  const form = $("video-form");
  for (const name of ["reactivity", "smooth"]) {
    const input = form.elements[name];
    input.addEventListener("input", () => { form.elements[name + "-out"].value = input.value; });
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = Object.fromEntries(["segments", "size", "fps", "reactivity", "smooth", "backend"].map((k) => [k, form.elements[k].value]));
    try { await postJSON(`/api/projects/${encodeURIComponent(state.name)}/video`, body); } catch (err) { alertError(err); }
  });
  $("remove").addEventListener("click", async () => {
    if (!confirm(S["song.remove.confirm"])) return;
    await api("/api/projects/" + encodeURIComponent(state.name), { method: "DELETE" });
    if (state.source) state.source.close();
    state.name = null;
    location.hash = "";
    loadSongs();
  });
}

window.addEventListener("hashchange", route);
window.addEventListener("resize", drawWave);
setupUpload();
setupVideo();
setupSections();
loadSongs().then(route);
