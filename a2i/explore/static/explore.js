/* a2i explorer: songs on a valence × arousal map, drawn on a canvas.
 *
 * Two stacked canvases: "base" holds the pictures (thumbnails or the colour grid) and is redrawn only
 * when the view, filter or variant changes; "overlay" holds the axes, words, counts and the hover, focus
 * and pin highlights at the full device pixel ratio (text stays sharp) and is redrawn on every pointer
 * move, so hovering never repaints 10,000 thumbnails. (A third layer for the text alone costs every frame
 * about 5 ms of compositing on a 2× screen without a GPU; redrawing the text with the highlights, 1 ms.) Tracks arrive page by page from
 * /api/points into typed arrays; thumbnails arrive as atlas sheets (256 per JPEG). Until a sheet is there
 * its tracks draw as squares of their mean colour; zoomed in, until its decoded sheet is there, as the
 * blitter's small copy of it, scaled up.
 *
 * A CPU canvas needs 50–150 ms for 10,000 drawImage calls, too slow for a 50 ms interaction. So at the base
 * thumbnail size the map is painted by a small pixel blitter instead: every atlas is scaled once to that size
 * and kept as 32-bit pixels, and each thumbnail is copied row by row into one ImageData (about 10 ms for
 * 10,000). drawImage is used only when zoomed in with few songs in view, where thumbnails grow.
 *
 * Level of detail, for time and memory: while the blitter paints (many small thumbnails) the base canvas
 * works at one device pixel per CSS pixel whatever the screen (a 2× screen would quadruple the pixels to
 * copy for thumbnails that are 24 px anyway); zoomed in, it works at the full ratio and thumbnails are drawn
 * from decoded sheets of the level that matches their size on screen: overview sheets (48 px) or detail
 * sheets (128 px, /api/detail), fetched only for the songs in view. Sheets are filled in Z-order of the map
 * (each song's "slot"), so a zoomed-in view needs a handful of sheets. Decoded sheets live in a cache bounded
 * by bytes (DECODED_BUDGET) that never evicts a sheet the current frame drew from, so the cache can always
 * hold the view and a decode never triggers another: once every sheet in view is there, the map is not
 * redrawn again until something changes (idle = zero redraws). Only the current variant's overview JPEGs are
 * fetched at start; another variant's are fetched when it is first shown.
 */
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const MARGIN = { left: 46, right: 16, top: 16, bottom: 44 };
  const MIN_ZOOM = 1, MAX_ZOOM = 64;
  const AUDIO_DELAY_MS = 150;
  const GROW_MAX_IN_VIEW = 1500;  // thumbnails grow with the zoom only while at most this many songs are in view
  // Decoded sheets kept beyond the ones in view: 48 MB is 12 detail sheets (4 MB each) or 20 overview sheets,
  // enough to pan back a step without decoding again; more pushed the tab past its 400 MB budget at 10,000
  // songs on a 2× screen (420 MB measured with 96 MB).
  const DECODED_BUDGET = 48 * 2 ** 20;
  const FETCH_PARALLEL = 6;       // sheet requests in flight: the browser's connection limit per host
  // Detail sheets only while at most this many songs are in view: 600 songs span about 20 detail sheets
  // (80 MB decoded, a second to fetch and decode); with more, thumbnails are at most 44 CSS px and the
  // overview sheets serve them (softer on a 2× screen, but 1,000 songs at 3.4× would need 40 detail sheets,
  // 160 MB and seconds of decoding).
  const DETAIL_MAX_IN_VIEW = 600;
  // Main-thread time per frame for scaling arrived overview sheets into blitter pixels (about 5 ms each on a
  // laptop): a burst of 40 sheets never holds up an interaction's frame by more than this.
  const PIXEL_BUDGET_MS = 6;
  const X_WORDS = [[0, "sad"], [0.25, "gloomy"], [0.5, "neutral"], [0.75, "cheerful"], [1, "happy"]];
  const Y_WORDS = [[0, "calm"], [0.25, "relaxed"], [0.5, "moderate"], [0.75, "energetic"], [1, "intense"]];
  const QUADRANTS = [[0, 1, "tense · angry"], [1, 1, "excited · joyful"], [0, 0, "sad · bored"], [1, 0, "calm · content"]];

  // ---- state ---------------------------------------------------------------------------------------------
  const S = {
    meta: null, total: 0, loaded: 0, maxVariants: 1,
    ids: [], names: [], artists: [], haystack: [],
    xs: null, ys: null, genre: null, pop: null, nvar: null,
    rgb: null,            // Uint8Array total * maxVariants * 3
    css: [],              // per variant: array of CSS colour strings
    abgr: [],             // per variant: Uint32Array of opaque colours in ImageData byte order
    pix: new Map(),       // "variant:sheet" -> atlas scaled to the base thumbnail size, as 32-bit pixels
    thumb: 0,             // thumbnail side (CSS px) of the current layout
    cells: null,          // song count per colour-grid cell, from the last grid draw
    popOrder: null,       // indices of loaded tracks, least popular first (popular ones draw on top)
    order: new Int32Array(0),  // visible indices in draw order
    hiddenGenres: new Set(), query: "",
    ranges: new Map(),    // field index (-2 valence, -1 arousal, else meta.fields) -> [min, max] kept on the map
    colorBy: "",          // "" (the pictures), "genre" or a field name: squares in a colour scale with a legend
    byAbgr: null, byCss: null,  // the colour-by colours per song
    selected: new Set(), neighbours: [], lasso: null, playing: null,
    nnSpace: "mood",      // where neighbours are found: "mood" (valence, arousal) or an embedding field
    mode: "thumbs", variant: 0, zoom: 1, cx: 0.5, cy: 0.5, grid: [6, 4], defaultGrid: [6, 4],
    hover: -1, pinned: -1, pinId: null, sound: true, focus: -1,  // focus: the song the arrow keys are on
    atlases: new Map(),   // "variant:sheet" -> "loading" | "ready" | "failed"
    blobs: new Map(),     // "variant:sheet" -> the overview JPEG as fetched (small; decoded again on demand)
    decoded: new Map(),   // "level:variant:sheet" -> {bmp, bytes, used} | "decoding": the drawImage cache
    decodedBytes: 0,
    slot: null,           // Int32Array: each song's place in the Z-ordered atlas sheets
    details: new Map(),   // index -> Promise of /api/tracks/<index>
    width: 0, height: 0, dpr: 1, bscale: 1,  // bscale: device pixels per CSS pixel of the base canvas
  };
  const stats = window.__explore = {  // read by the tests and the benchmark
    draws: 0, drawMs: [], lastDrawn: 0, lastThumbs: 0, lastSharp: 0, firstDrawAt: null, allPointsAt: null, thumbsDoneAt: null,
    labels: [], axisWords: [],  // text boxes drawn over the map (contrast checks) and the axis words' positions
    cross: () => S.meta && { ...S.meta.even_odds, at: toScreen(S.meta.even_odds.valence, S.meta.even_odds.arousal) },
    state: () => ({
      total: S.total, loaded: S.loaded, visible: S.order.length, mode: S.mode, variant: S.variant,
      zoom: S.zoom, cx: S.cx, cy: S.cy, grid: S.grid.slice(), hover: S.hover, pinned: S.pinned,
      query: S.query, hiddenGenres: [...S.hiddenGenres].map((g) => S.meta.genres[g].name), focus: S.focus,
      drawn: stats.lastDrawn, thumbs: stats.lastThumbs, sharp: stats.lastSharp, draws: stats.draws,
      selected: [...S.selected], neighbours: S.neighbours.slice(), colorBy: S.colorBy,
      playing: S.playing ? S.playing.list[S.playing.k] : -1,
      decodedMB: +(S.decodedBytes / 2 ** 20).toFixed(1), level: S.level,
    }),
    screenOf: (i) => toScreen(S.xs[i], S.ys[i]),
    toScreen: (x, y) => toScreen(x, y),
    toData: (x, y) => toData(x, y),
    pixel: (x, y) => Array.from(bctx.getImageData(Math.round(x * S.bscale), Math.round(y * S.bscale), 1, 1).data.slice(0, 3)),
    labelPixel: (x, y) => Array.from(lctx.getImageData(Math.round(x * S.dpr), Math.round(y * S.dpr), 1, 1).data),
    bitmaps: () => [...S.decoded.values()].filter((b) => typeof b !== "string").length,
    setView: (zoom, cx, cy) => { S.zoom = zoom; S.cx = cx; S.cy = cy; clampView(); viewChanged(); },
    find: (name) => S.names.indexOf(name),
    id: (i) => S.ids[i],
    thumb: () => thumbSize(),
    pending: () => [...S.atlases.values()].filter((a) => a === "loading").length + idleQueue.length + pixelQueue.length + fetching + wanted.size,
  };

  const base = $("base"), overlay = $("overlay"), mapEl = $("map");
  const bctx = base.getContext("2d", { alpha: false, willReadFrequently: true }), octx = overlay.getContext("2d");
  const lctx = octx;  // the labels share the overlay (see the top of this file)
  const player = $("player");

  // ---- geometry ------------------------------------------------------------------------------------------
  function baseThumb() {
    const n = S.total, byCount = n <= 60 ? 56 : n <= 600 ? 40 : n <= 3000 ? 30 : 24;
    return S.width && S.width < 560 ? Math.min(byCount, 32) : byCount;  // a phone: smaller, so fingers find gaps
  }
  function thumbSize() { return S.thumb || baseThumb(); }
  function updateThumbSize() {
    const b = baseThumb();
    let inView = 0;
    if (S.zoom > 1) {
      const span = 1 / S.zoom, x0 = S.cx - span / 2, y0 = S.cy - span / 2;
      for (let k = 0; k < S.order.length && inView <= GROW_MAX_IN_VIEW; k++) {
        const i = S.order[k], dx = S.xs[i] - x0, dy = S.ys[i] - y0;
        if (dx >= 0 && dx <= span && dy >= 0 && dy <= span) inView++;
      }
    }
    S.inView = inView;
    S.thumb = S.zoom === 1 || inView > GROW_MAX_IN_VIEW ? b : Math.round(Math.min(72, b * Math.sqrt(S.zoom)));
  }
  function frame() {
    return { x: MARGIN.left, y: MARGIN.top, w: S.width - MARGIN.left - MARGIN.right, h: S.height - MARGIN.top - MARGIN.bottom };
  }
  // The plot sits inside the frame by half a thumbnail, so songs at 0 and 1 draw whole, inside the map. The
  // same in both modes: T changes what is drawn, never where.
  function plot() {
    const f = frame(), pad = Math.ceil(thumbSize() / 2) + 2;
    return { x: f.x + pad, y: f.y + pad, w: Math.max(1, f.w - 2 * pad), h: Math.max(1, f.h - 2 * pad) };
  }
  let P = null;  // plot rectangle of the current layout
  function toScreen(x, y) {
    const span = 1 / S.zoom;
    return [P.x + (x - (S.cx - span / 2)) / span * P.w, P.y + P.h - (y - (S.cy - span / 2)) / span * P.h];
  }
  function toData(sx, sy) {
    const span = 1 / S.zoom;
    return [S.cx - span / 2 + (sx - P.x) / P.w * span, S.cy - span / 2 + (P.y + P.h - sy) / P.h * span];
  }
  function clampView() {
    S.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, S.zoom));
    const half = 0.5 / S.zoom;
    S.cx = Math.min(1 - half, Math.max(half, S.cx));
    S.cy = Math.min(1 - half, Math.max(half, S.cy));
  }

  // ---- drawing -------------------------------------------------------------------------------------------
  let drawPending = false;
  function requestDraw() {
    if (!drawPending) { drawPending = true; requestAnimationFrame(draw); }
  }
  function resize() {
    const r = mapEl.getBoundingClientRect();
    S.dpr = window.devicePixelRatio || 1;
    S.width = Math.max(200, r.width); S.height = Math.max(200, r.height);
    for (const c of [overlay]) { c.width = Math.round(S.width * S.dpr); c.height = Math.round(S.height * S.dpr); }
    S.bscale = 0;  // re-sized by the next draw
    if (S.pixSize && S.pixSize !== pixelSize()) rescalePixels();
    S.pixSize = pixelSize();
    draw();
  }

  function setBaseScale(scale) {
    if (S.bscale === scale) return;
    S.bscale = scale;
    base.width = Math.round(S.width * scale); base.height = Math.round(S.height * scale);
  }

  let frameNo = 0;
  function draw() {
    drawPending = false;
    frameNo++;
    wanted.clear();
    const t0 = performance.now();
    updateThumbSize();
    P = plot();
    const ctx = bctx, f = frame();
    const grid = S.mode === "grid", pixels = grid || S.thumb === baseThumb();
    setBaseScale(pixels ? 1 : S.dpr);
    ctx.setTransform(S.bscale, 0, 0, S.bscale, 0, 0);
    ctx.fillStyle = "#0f1116"; ctx.fillRect(0, 0, S.width, S.height);
    const key = pixels ? frameKey() : null, cached = key && recentFrames.find((e) => e.key === key);
    const fb = frameBuffer(f, !cached);
    let drawn = 0;
    if (cached) {  // T and 1/2/3 back to a frame drawn moments ago: one copy
      fb.buf.set(cached.pixels);
      ({ drawn, cells: S.cells } = cached);
      stats.lastThumbs = cached.thumbs;
    } else {
      if (grid) { fillCells(fb); drawn = blit(fb, true); stats.lastThumbs = 0; } else if (pixels) drawn = blit(fb, false);
      if (key) remember(key, fb, drawn);
    }
    ctx.putImageData(fb.img, fb.X0, fb.Y0);
    if (!pixels) {
      ctx.save();
      ctx.beginPath(); ctx.rect(f.x, f.y, f.w, f.h); ctx.clip();
      drawn = drawThumbs(ctx, f);
      ctx.restore();
    }

    if (pixels) { stats.lastSharp = stats.lastThumbs; S.level = 0; }
    stats.lastDrawn = drawn; stats.draws++;
    pumpDecodes();
    if (drawn > 0 && stats.firstDrawAt === null) stats.firstDrawAt = performance.now();
    if (S.loaded === S.total && S.total > 0 && stats.allPointsAt === null && drawn > 0) stats.allPointsAt = performance.now();
    drawOverlay();
    updateZoomLabel();
    scheduleList();
    stats.drawMs.push(+(performance.now() - t0).toFixed(1));
    if (stats.drawMs.length > 100) stats.drawMs.shift();
  }

  // The frame's pixels, reset to the plot background with its guide lines, drawn straight into one reused
  // ImageData (no getImageData, no per-frame allocation: garbage collection pauses would cost frames).
  const PLOT_BG = 0xff1c1512, GUIDE = 0xff2b211d, CROSS = 0xff40312b;  // #12151c, #1d212b, #2b3140 as ABGR
  let frameCache = null;
  function frameBuffer(f, clear) {
    const d = S.bscale, X0 = Math.round(f.x * d), Y0 = Math.round(f.y * d), W = Math.round(f.w * d), H = Math.round(f.h * d);
    if (!frameCache || frameCache.W !== W || frameCache.H !== H) {
      const img = new ImageData(W, H);
      frameCache = { img, buf: new Uint32Array(img.data.buffer), W, H };
    }
    const fb = frameCache;
    fb.X0 = X0; fb.Y0 = Y0;
    if (!clear) return fb;
    const buf = fb.buf;
    buf.fill(PLOT_BG);
    const line = (tx, ty, color, dashed) => {  // a vertical line at valence tx and a horizontal one at arousal ty
      const [sx, sy] = toScreen(tx, ty), x = Math.round(sx * d) - X0, y = Math.round(sy * d) - Y0;
      if (x >= 0 && x < W) for (let r = 0; r < H; r++) if (!dashed || (r & 7) < 4) buf[r * W + x] = color;
      if (y >= 0 && y < H) {
        if (!dashed) buf.fill(color, y * W, y * W + W);
        else for (let c = 0; c < W; c++) if ((c & 7) < 4) buf[y * W + c] = color;
      }
    };
    for (let k = 0; k <= 10; k++) line(k / 10, k / 10, GUIDE, false);
    // The quadrant cross at the heads' even odds (from the server: a2i.mood.even_odds), where `a2i analyze`
    // cuts its quadrants; on Spotify's scale that is not 0.5 (energy's is about 0.64).
    line(S.meta.even_odds.valence, S.meta.even_odds.arousal, CROSS, true);
    return fb;
  }

  // The last few pixel frames, keyed by everything that shapes them, so toggling back is a copy.
  const recentFrames = [];
  let filterVersion = 0;
  function frameKey() {
    const v = S.variant, sheets = S.mode === "grid" ? 0 : [...S.pix.keys()].filter((k) => k.startsWith(v + ":")).length;
    return [S.mode, v, S.colorBy, sheets, S.zoom, S.cx, S.cy, S.thumb, S.bscale, S.width, S.height, S.grid, filterVersion, S.loaded].join("|");
  }
  function remember(key, fb, drawn) {
    const entry = recentFrames.length >= 4 ? recentFrames.shift() : { pixels: null };
    if (!entry.pixels || entry.pixels.length !== fb.buf.length) entry.pixels = new Uint32Array(fb.buf.length);
    entry.pixels.set(fb.buf);
    Object.assign(entry, { key, drawn, thumbs: stats.lastThumbs, cells: S.cells });
    recentFrames.push(entry);
  }

  const LABEL_BG = "rgba(15,17,22,.93)", LABEL_TEXT = "#c2c8d6";
  // Russell's quadrants, named in the frame's corners over the pictures (at the full view only): each corner
  // lies inside its quadrant wherever the cross is.
  function drawQuadrants(ctx, f) {
    if (S.zoom !== 1 || S.mode === "grid") return;  // grid cells carry their own labels there
    ctx.font = "600 11px system-ui, sans-serif"; ctx.textBaseline = "middle";
    for (const [qx, qy, text] of QUADRANTS) {
      const w = ctx.measureText(text).width + 14, x = qx ? f.x + f.w - w - 4 : f.x + 4, y = qy ? f.y + 4 : f.y + f.h - 24;
      // Nearly opaque, so the text keeps 4.5:1 contrast even over a white picture.
      ctx.fillStyle = LABEL_BG;
      ctx.beginPath(); ctx.roundRect(x, y, w, 20, 10); ctx.fill();
      ctx.fillStyle = LABEL_TEXT; ctx.textAlign = "left"; ctx.fillText(text, x + 7, y + 10.5);
      stats.labels.push({ text, x, y, w, h: 20, color: LABEL_TEXT });
    }
  }

  // ---- decoded sheets for drawImage: level of detail, a byte-bounded cache, fetched for what is in view ----
  const wanted = new Set();  // sheets the last frame wanted and did not have ("level:variant:sheet")
  let fetching = 0;
  function levelSpec(level) { return level ? S.meta.detail : S.meta.atlas; }
  // The decoded sheet holding song i at `level`, or null; `want` queues it when it is missing.
  function sheetOf(level, v, i, want) {
    const key = level + ":" + v + ":" + ((S.slot[i] / levelSpec(level).size) | 0), e = S.decoded.get(key);
    if (e && e !== "decoding") { e.used = frameNo; return e.bmp; }
    if (!e && want) wanted.add(key);
    return null;
  }
  function pumpDecodes() {
    for (const key of wanted) {
      if (fetching >= FETCH_PARALLEL) break;
      if (S.decoded.has(key)) { wanted.delete(key); continue; }
      wanted.delete(key);
      S.decoded.set(key, "decoding");
      fetching++;
      const [level, v, sheet] = key.split(":").map(Number), blob = level === 0 && S.blobs.get(v + ":" + sheet);
      (blob ? Promise.resolve(blob) : fetch(`api/${level ? "detail" : "atlas"}/${v}/${sheet}.jpg`)
        .then((r) => { if (!r.ok) throw new Error(r.status); return r.blob(); }))
        .then((b) => createImageBitmap(b))
        .then((bmp) => {
          const bytes = bmp.width * bmp.height * 4;
          S.decoded.set(key, { bmp, bytes, used: frameNo });
          S.decodedBytes += bytes;
          evictDecoded();
          requestDraw();  // it was wanted by the latest frame
        })
        .catch(() => S.decoded.delete(key))
        .finally(() => { fetching--; pumpDecodes(); });
    }
  }
  // Least recently drawn first, never one the current frame drew from: the cache can always hold the view.
  function evictDecoded() {
    if (S.decodedBytes <= DECODED_BUDGET) return;
    const old = [...S.decoded].filter(([, e]) => e !== "decoding" && e.used < frameNo).sort((a, b) => a[1].used - b[1].used);
    for (const [key, e] of old) {
      if (S.decodedBytes <= DECODED_BUDGET) break;
      e.bmp.close(); S.decoded.delete(key); S.decodedBytes -= e.bytes;
    }
  }

  // drawImage path: zoomed in, few songs in view, thumbnails larger than the base size. Each song draws from
  // the sheet of the level its size asks for, else from the overview sheet, else as its colour.
  function drawThumbs(ctx, f) {
    const s = thumbSize(), h = s / 2, v = S.variant, flat = !!S.colorBy, colors = flat ? S.byCss : S.css[v];
    const level = s * S.dpr > S.meta.atlas.thumb * 1.15 && S.inView <= DETAIL_MAX_IN_VIEW ? 1 : 0;
    S.level = level;
    const minX = f.x - h, maxX = f.x + f.w + h, minY = f.y - h, maxY = f.y + f.h + h;
    const span = 1 / S.zoom, x0 = S.cx - span / 2, y0 = S.cy - span / 2, kx = P.w / span, ky = P.h / span;
    let drawn = 0, thumbs = 0, sharp = 0;
    ctx.imageSmoothingQuality = "low";
    const [dx0, dy1] = toData(minX, minY), [dx1, dy0] = toData(maxX, maxY), list = songsIn(dx0, dy0, dx1, dy1);
    for (let k = 0; k < list.length; k++) {
      const i = list[k];
      const sx = P.x + (S.xs[i] - x0) * kx, sy = P.y + P.h - (S.ys[i] - y0) * ky;
      if (sx < minX || sx > maxX || sy < minY || sy > maxY) continue;
      drawn++;
      if (flat) { ctx.fillStyle = colors[i]; ctx.fillRect(sx - h, sy - h, s, s); thumbs++; sharp++; continue; }
      let bmp = sheetOf(level, v, i, true), spec = levelSpec(level), cell = spec.thumb;
      if (bmp) sharp++;
      else if (level) { bmp = sheetOf(0, v, i, true); spec = S.meta.atlas; cell = spec.thumb; }
      if (!bmp) { bmp = smallSheet(v, i); cell = pixelSize(); }  // until a sheet is decoded: the blitter's copy
      if (bmp) {
        const j = S.slot[i] % spec.size;
        ctx.drawImage(bmp, (j % spec.columns) * cell, ((j / spec.columns) | 0) * cell, cell, cell, sx - h, sy - h, s, s);
        thumbs++;
      } else {
        ctx.fillStyle = colors[i];
        ctx.fillRect(sx - h, sy - h, s, s);
      }
    }
    stats.lastThumbs = thumbs; stats.lastSharp = sharp;
    for (const key of smallSheets.keys()) if (!usedSmall.has(key)) smallSheets.delete(key);
    usedSmall.clear();
    return drawn;
  }
  // A sheet's thumbnails as the blitter keeps them (base size), on a canvas drawImage can scale: what a zoomed-in
  // song shows while its sheet decodes (the overview bitmaps are closed once scaled; decoding one again takes a
  // frame or more), softer than the sheet and never a square of colour. Kept only while a frame draws from it.
  const smallSheets = new Map(), usedSmall = new Set();
  function smallSheet(v, i) {
    const key = v + ":" + ((S.slot[i] / S.meta.atlas.size) | 0), pix = S.pix.get(key);
    if (!pix) return null;
    let e = smallSheets.get(key);
    if (!e || e.pix !== pix) {
      const rows = pix.data.length / pix.stride, canvas = new OffscreenCanvas(pix.stride, rows);
      canvas.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(pix.data.buffer), pix.stride, rows), 0, 0);
      smallSheets.set(key, e = { pix, canvas });
    }
    usedSmall.add(key);
    return e.canvas;
  }

  function gridCells() {
    const [gc, gr] = S.grid, v = S.variant, mv = S.maxVariants;
    const sum = new Float64Array(gc * gr * 3), count = new Uint32Array(gc * gr);
    for (let k = 0; k < S.order.length; k++) {
      const i = S.order[k];
      const c = Math.min(gc - 1, Math.floor(S.xs[i] * gc)), r = Math.min(gr - 1, Math.floor(S.ys[i] * gr));
      const o = (i * mv + Math.min(v, S.nvar[i] - 1)) * 3, cell = r * gc + c;
      sum[cell * 3] += S.rgb[o]; sum[cell * 3 + 1] += S.rgb[o + 1]; sum[cell * 3 + 2] += S.rgb[o + 2];
      count[cell]++;
    }
    return { sum, count };
  }

  // Grid cells in screen pixels relative to the frame buffer: [left, top, right, bottom) per cell.
  function cellRect(fb, c, r) {
    const [gc, gr] = S.grid, d = S.bscale;
    const [x1, y1] = toScreen(c / gc, (r + 1) / gr), [x2, y2] = toScreen((c + 1) / gc, r / gr);
    return [Math.round(x1 * d) - fb.X0 + 1, Math.round(y1 * d) - fb.Y0 + 1, Math.round(x2 * d) - fb.X0 - 1, Math.round(y2 * d) - fb.Y0 - 1];
  }
  function fillCells(fb) {
    const [gc, gr] = S.grid, { sum, count } = gridCells();
    S.cells = count;
    for (let r = 0; r < gr; r++) {
      for (let c = 0; c < gc; c++) {
        const cell = r * gc + c, n = count[cell];
        if (!n) continue;
        const color = (0xff000000 | (Math.round(sum[cell * 3 + 2] / n) << 16) | (Math.round(sum[cell * 3 + 1] / n) << 8) | Math.round(sum[cell * 3] / n)) >>> 0;
        const [l, t, rr, b] = cellRect(fb, c, r), x0 = Math.max(0, l), x1 = Math.min(fb.W, rr);
        for (let y = Math.max(0, t); y < Math.min(fb.H, b); y++) fb.buf.fill(color, y * fb.W + x0, y * fb.W + x1);
      }
    }
  }
  function drawCellLabels(ctx) {
    const [gc, gr] = S.grid, count = S.cells;
    ctx.font = "11px system-ui, sans-serif"; ctx.textAlign = "left"; ctx.textBaseline = "top";
    for (let r = 0; r < gr; r++) {
      for (let c = 0; c < gc; c++) {
        const [x1, y1] = toScreen(c / gc, (r + 1) / gr), [x2, y2] = toScreen((c + 1) / gc, r / gr), n = count[r * gc + c];
        if (n) {
          const w = 8 + 7 * String(n).length;
          ctx.fillStyle = LABEL_BG; ctx.fillRect(x1 + 5, y1 + 5, w, 16);
          ctx.fillStyle = "#fff"; ctx.fillText(String(n), x1 + 9, y1 + 7);
          stats.labels.push({ text: String(n), x: x1 + 5, y: y1 + 5, w, h: 16, color: "#ffffff" });
        } else {
          ctx.strokeStyle = "#232833"; ctx.setLineDash([3, 5]);
          ctx.strokeRect(x1 + 1.5, y1 + 1.5, x2 - x1 - 3, y2 - y1 - 3); ctx.setLineDash([]);
        }
      }
    }
  }

  function pixelSize() { return baseThumb(); }  // the blitter always paints at one device pixel per CSS pixel

  // Scale one atlas to the base thumbnail size (device pixels) and keep its pixels for the blitter.
  function buildPixels(key, bmp) {
    const s = pixelSize(), cols = S.meta.atlas.columns, cell = S.meta.atlas.thumb;
    const w = cols * s, h = Math.round(bmp.height / cell) * s;
    const c = new OffscreenCanvas(w, h), ctx = c.getContext("2d", { willReadFrequently: true });
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(bmp, 0, 0, bmp.width, bmp.height, 0, 0, w, h);
    const pix = { size: s, stride: w, data: new Uint32Array(ctx.getImageData(0, 0, w, h).data.buffer) };
    S.pix.set(key, pix);
    return pix;
  }
  function pixelsFor(key) { return S.pix.get(key) || null; }
  // The window crossed the phone width: the blitter's thumbnails change size, so scale them again from the
  // kept JPEGs (current variant first; meanwhile those songs draw as their colour).
  function rescalePixels() {
    S.pix.clear();
    const keys = [...S.blobs.keys()].sort((a, b) => (b.startsWith(S.variant + ":") ? 1 : 0) - (a.startsWith(S.variant + ":") ? 1 : 0));
    for (const key of keys) {
      createImageBitmap(S.blobs.get(key)).then((bmp) => { buildPixels(key, bmp); bmp.close(); requestDraw(); });
    }
  }

  // The pixel blitter: copies every visible thumbnail (or, in grid mode, a small dot per song, so hovering
  // still finds it) straight into the frame's ImageData, clipped to the frame, in draw order.
  function blit(fb, dots) {
    const d = S.bscale, { X0, Y0, W, H, buf } = fb;
    const s = dots ? Math.max(4, Math.round(4 * d)) : pixelSize(), half = s >> 1, v = S.variant;
    const per = S.meta.atlas.size, cols = S.meta.atlas.columns, flat = !!S.colorBy, colors = flat ? S.byAbgr : S.abgr[v];
    const span = 1 / S.zoom, x0 = S.cx - span / 2, y0 = S.cy - span / 2, kx = P.w / span * d, ky = P.h / span * d;
    const px = P.x * d - X0, py = (P.y + P.h) * d - Y0;
    let drawn = 0, thumbs = 0, sheetKey = -1, pix = null;
    for (let k = 0; k < S.order.length; k++) {
      const i = S.order[k];
      const left = Math.round(px + (S.xs[i] - x0) * kx) - half, top = Math.round(py - (S.ys[i] - y0) * ky) - half;
      const c0 = Math.max(0, -left), r0 = Math.max(0, -top), c1 = Math.min(s, W - left), r1 = Math.min(s, H - top);
      if (c0 >= c1 || r0 >= r1) continue;
      drawn++;
      if (dots) {  // 70 % white over a dark cell, 70 % black over a bright one: visible on any colour
        for (let r = r0; r < r1; r++) {
          for (let c = c0, o = (top + r) * W + left + c0; c < c1; c++, o++) {
            const p = buf[o], b = (p >>> 16) & 255, g = (p >>> 8) & 255, rd = p & 255;
            const add = 0.299 * rd + 0.587 * g + 0.114 * b > 150 ? 0 : 178;
            buf[o] = 0xff000000 | ((b * 0.3 + add) << 16) | ((g * 0.3 + add) << 8) | (rd * 0.3 + add);
          }
        }
        continue;
      }
      const sheet = (S.slot[i] / per) | 0;
      if (sheet !== sheetKey) { sheetKey = sheet; pix = flat ? null : pixelsFor(v + ":" + sheet); }
      if (flat) thumbs++;  // coloured by a field: the square is the picture asked for
      if (pix) {
        const j = S.slot[i] - sheet * per, src0 = ((j / cols) | 0) * s * pix.stride + (j % cols) * s, data = pix.data;
        for (let r = r0; r < r1; r++) {  // a plain loop: far faster than subarray().set() for 24-pixel rows
          for (let c = c0, o = (top + r) * W + left + c0, q = src0 + r * pix.stride + c0; c < c1; c++) buf[o++] = data[q++];
        }
        thumbs++;
      } else {
        for (let r = r0; r < r1; r++) buf.fill(colors[i], (top + r) * W + left + c0, (top + r) * W + left + c1);
      }
    }
    if (!dots) stats.lastThumbs = thumbs;
    return drawn;
  }

  function drawAxes(ctx, f) {
    ctx.strokeStyle = "#3a4152"; ctx.lineWidth = 1;
    ctx.strokeRect(f.x + 0.5, f.y + 0.5, f.w - 1, f.h - 1);
    ctx.fillStyle = "#8b93a5"; ctx.font = "11px system-ui, sans-serif";
    const step = S.zoom >= 8 ? 0.02 : S.zoom >= 3 ? 0.05 : 0.1;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (let t = 0; t <= 1.0001; t += step) {
      const [sx] = toScreen(t, 0);
      if (sx >= f.x - 0.5 && sx <= f.x + f.w + 0.5) ctx.fillText(t.toFixed(step < 0.1 ? 2 : 1), sx, f.y + f.h + 4);
    }
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (let t = 0; t <= 1.0001; t += step) {
      const [, sy] = toScreen(0, t);
      if (sy >= f.y - 0.5 && sy <= f.y + f.h + 0.5) ctx.fillText(t.toFixed(step < 0.1 ? 2 : 1), f.x - 6, sy);
    }
    // Descriptive words at the ends and quarters of each axis, at their values: they move with the zoom and
    // pan like the numbers do, and leave when their value does. The axis name stays put. Where they would
    // collide (a phone), the ends win over the name, the name over the middle, the middle over the quarters.
    ctx.font = "600 12px system-ui, sans-serif";
    const placeRow = (start, length, at) => {  // at(t) -> position along the row, in the row's own coordinate
      const items = [], placed = [];
      for (const [t, word] of (length === f.w ? X_WORDS : Y_WORDS)) {
        const p = at(t);
        if (p < start - 0.5 || p > start + length + 0.5) continue;
        items.push({ word, at: t, p, rank: t === 0 || t === 1 ? 0 : t === 0.5 ? 2 : 3 });
      }
      items.push({ word: (length === f.w ? "valence" : "arousal") + " →", p: start + 0.14 * length, rank: 1, name: true });
      items.sort((a, b) => a.rank - b.rank);
      for (const it of items) {
        const w = ctx.measureText(it.word).width;
        const left = Math.min(Math.max(it.p - w / 2, start), start + length - w), right = left + w;
        if (placed.some(([l, r]) => left < r + 10 && right > l - 10)) continue;
        placed.push([left, right]);
        Object.assign(it, { left, mid: left + w / 2 });
      }
      return items.filter((it) => it.left !== undefined);
    };
    const words = [];
    ctx.textBaseline = "bottom"; ctx.textAlign = "left";
    for (const it of placeRow(f.x, f.w, (t) => toScreen(t, 0)[0])) {
      ctx.fillStyle = it.name ? "#f0b44c" : "#c2c8d6";
      ctx.fillText(it.word, it.left, S.height - 6);
      if (!it.name) words.push({ word: it.word, at: it.at, x: it.mid });
    }
    ctx.save();
    ctx.translate(14, 0); ctx.rotate(-Math.PI / 2);  // the y axis reads bottom to top: row coordinate = -y
    ctx.textBaseline = "middle";
    for (const it of placeRow(-(f.y + f.h), f.h, (t) => -toScreen(0, t)[1])) {
      ctx.fillStyle = it.name ? "#f0b44c" : "#c2c8d6";
      ctx.fillText(it.word, it.left, 0);
      if (!it.name) words.push({ word: it.word, at: it.at, y: -it.mid });
    }
    ctx.restore();
    stats.axisWords = words;
  }

  function drawLabels(ctx) {
    const f = frame();
    ctx.save();
    ctx.beginPath(); ctx.rect(f.x, f.y, f.w, f.h); ctx.clip();
    stats.labels = [];
    if (S.mode === "grid" && S.cells) drawCellLabels(ctx);
    drawQuadrants(ctx, f);
    ctx.restore();
    drawAxes(ctx, f);
  }

  function drawOverlay() {
    const ctx = octx;
    ctx.setTransform(S.dpr, 0, 0, S.dpr, 0, 0);
    ctx.clearRect(0, 0, S.width, S.height);
    if (!P) return;
    drawLabels(ctx);
    const mark = (i, color) => {
      if (i < 0 || i >= S.loaded) return;
      const [sx, sy] = toScreen(S.xs[i], S.ys[i]);
      const s = S.mode === "grid" ? 12 : thumbSize() + 4, h = s / 2;
      if (S.mode !== "grid") {  // the highlighted song over its neighbours, from whatever sheet is decoded
        for (const level of [1, 0]) {
          const bmp = sheetOf(level, S.variant, i, false), spec = levelSpec(level);
          if (!bmp) continue;
          const j = S.slot[i] % spec.size, cell = spec.thumb;
          ctx.drawImage(bmp, (j % spec.columns) * cell, ((j / spec.columns) | 0) * cell, cell, cell, sx - h, sy - h, s, s);
          break;
        }
      }
      ctx.lineWidth = 4; ctx.strokeStyle = "rgba(0,0,0,.7)"; ctx.strokeRect(sx - h - 1, sy - h - 1, s + 2, s + 2);
      ctx.lineWidth = 2; ctx.strokeStyle = color; ctx.strokeRect(sx - h - 1, sy - h - 1, s + 2, s + 2);
    };
    drawResearch(ctx);
    if (S.pinned >= 0) mark(S.pinned, "#f0b44c");
    if (S.hover >= 0 && S.hover !== S.pinned) mark(S.hover, "#ffffff");
    if (S.focus >= 0 && document.activeElement === mapEl) {  // the keyboard focus: a ring outside the mark
      const [sx, sy] = toScreen(S.xs[S.focus], S.ys[S.focus]), h = (S.mode === "grid" ? 12 : thumbSize() + 4) / 2 + 5;
      ctx.lineWidth = 3; ctx.strokeStyle = "#6cc4ff"; ctx.setLineDash([]);
      ctx.beginPath(); ctx.arc(sx, sy, h * 1.25, 0, 2 * Math.PI); ctx.stroke();
    }
  }

  // ---- data loading --------------------------------------------------------------------------------------
  async function getJSON(url) {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.json();
  }

  function allocate(meta) {
    const n = meta.total, mv = Math.max(1, meta.max_variants);
    S.meta = meta; S.total = n; S.maxVariants = mv;
    S.xs = new Float32Array(n); S.ys = new Float32Array(n); S.genre = new Uint16Array(n);
    S.pop = new Float32Array(n); S.nvar = new Uint8Array(n); S.slot = new Int32Array(n);
    S.fields = meta.fields || []; S.vals = new Float32Array(n * S.fields.length).fill(NaN); S.rgb = new Uint8Array(n * mv * 3);
    S.css = Array.from({ length: mv }, () => new Array(n));
    S.abgr = Array.from({ length: mv }, () => new Uint32Array(n));
    S.ids = new Array(n); S.names = new Array(n); S.artists = new Array(n); S.haystack = new Array(n);
  }

  function ingest(page) {
    const mv = S.maxVariants;
    page.rows.forEach((row, k) => {
      const i = page.offset + k, [id, x, y, g, name, artists, pop, colors, slot, values] = row;
      S.slot[i] = slot;
      for (let f = 0; f < S.fields.length; f++) if (values[f] != null) S.vals[i * S.fields.length + f] = values[f];
      S.ids[i] = id; S.xs[i] = x; S.ys[i] = y; S.genre[i] = g; S.names[i] = name; S.artists[i] = artists;
      S.haystack[i] = (name + "\u0000" + artists).toLowerCase();
      S.pop[i] = pop == null ? -1 : pop; S.nvar[i] = colors.length;
      for (let v = 0; v < mv; v++) {
        const c = colors[Math.min(v, colors.length - 1)], o = (i * mv + v) * 3;
        S.rgb[o] = c >> 16; S.rgb[o + 1] = (c >> 8) & 255; S.rgb[o + 2] = c & 255;
        S.css[v][i] = "#" + c.toString(16).padStart(6, "0");
        S.abgr[v][i] = (0xff000000 | ((c & 255) << 16) | (c & 0xff00) | (c >> 16)) >>> 0;
      }
    });
    S.loaded = Math.max(S.loaded, page.offset + page.rows.length);
  }

  function sortByPopularity() {
    const idx = Array.from({ length: S.loaded }, (_, i) => i);
    idx.sort((a, b) => S.pop[a] - S.pop[b] || a - b);
    S.popOrder = Int32Array.from(idx);
  }

  function applyFilter() {
    const q = S.query.trim().toLowerCase(), out = [], ranges = [...S.ranges];
    const order = S.popOrder || new Int32Array(0);
    for (let k = 0; k < order.length; k++) {
      const i = order[k];
      if (S.hiddenGenres.has(S.genre[i])) continue;
      if (q && S.haystack[i].indexOf(q) < 0) continue;
      if (ranges.length && !inRanges(i, ranges)) continue;
      out.push(i);
    }
    S.order = Int32Array.from(out);
    buildIndex();
    filterVersion++;
    if (S.hover >= 0 && !isVisible(S.hover)) setHover(-1);
    updateStatus();
    requestDraw();
  }
  function isVisible(i) { return IX.rank[i] >= 0; }

  // Every page is requested at once (the browser runs a few in parallel) and drawn as soon as it arrives;
  // thumbnails are asked for only afterwards, so building them never delays the points.
  function requestPages() {
    const size = S.meta.page_size, pages = [];
    for (let offset = 0; offset < S.total; offset += size) pages.push(getJSON(`api/points?offset=${offset}&limit=${size}`));
    return pages;
  }
  async function loadPoints(pages) {
    for (const pending of pages) {
      ingest(await pending);
      sortByPopularity();
      applyFilter();
    }
    loadAtlases(S.variant);
    if (S.pinId) { const i = S.ids.indexOf(S.pinId); if (i >= 0) pin(i, false); }
    renderResults();
    // Other variants' thumbnails are fetched when one is first shown (1/2/3), not before: most visits never
    // switch, and at 10,000 songs they would be 2/3 of what the page downloads.
  }

  const atlasQueue = [];
  let atlasActive = 0;
  function loadAtlases(v) {
    const sheets = Math.ceil(S.loaded / S.meta.atlas.size);
    for (let sheet = 0; sheet < sheets; sheet++) {
      const key = v + ":" + sheet;
      if (S.atlases.has(key)) continue;
      S.atlases.set(key, "loading");
      atlasQueue.push([v, sheet]);
    }
    pumpAtlases();
  }
  function pumpAtlases() {
    while (atlasActive < 4 && atlasQueue.length) {
      // The current variant jumps the queue: it is what the user is looking at.
      const next = Math.max(0, atlasQueue.findIndex(([v]) => v === S.variant));
      const [v, sheet] = atlasQueue.splice(next, 1)[0];
      atlasActive++;
      fetch(`api/atlas/${v}/${sheet}.jpg`)
        .then((r) => { if (!r.ok) throw new Error(r.status); return r.blob(); })
        .then((blob) => { S.blobs.set(v + ":" + sheet, blob); return createImageBitmap(blob); })
        .then((bmp) => {
          const key = v + ":" + sheet;
          S.atlases.set(key, "ready");
          if (v === S.variant) queuePixels(key, bmp); else scalePixelsWhenIdle(key, bmp);
        })
        .catch(() => { S.atlases.set(v + ":" + sheet, "failed"); checkThumbsDone(); })
        .finally(() => { atlasActive--; pumpAtlases(); });
    }
  }
  // The current variant's sheets are scaled a few per frame (PIXEL_BUDGET_MS), then drawn in one go.
  const pixelQueue = [];
  let pixelTick = false;
  function queuePixels(key, bmp) {
    pixelQueue.push([key, bmp]);
    if (!pixelTick) { pixelTick = true; requestAnimationFrame(scalePixels); }
  }
  function scalePixels() {
    const t0 = performance.now();
    do {
      const [key, bmp] = pixelQueue.shift();
      if (!S.pix.has(key)) buildPixels(key, bmp);
      bmp.close();
    } while (pixelQueue.length && performance.now() - t0 < PIXEL_BUDGET_MS);
    requestDraw(); checkThumbsDone();
    if (pixelQueue.length) requestAnimationFrame(scalePixels); else pixelTick = false;
  }
  // Other variants' atlases are scaled for the blitter in idle time, so they never steal an interaction's frame.
  const idleQueue = [];
  function scalePixelsWhenIdle(key, bmp) {
    idleQueue.push([key, bmp]);
    if (idleQueue.length === 1) requestIdleCallback(scaleIdle, { timeout: 2000 });
  }
  function scaleIdle(deadline) {
    while (idleQueue.length && (deadline.timeRemaining() > 4 || deadline.didTimeout)) {
      const [key, bmp] = idleQueue.shift();
      if (!S.pix.has(key)) buildPixels(key, bmp);
      bmp.close();  // the JPEG is kept; zooming in decodes it again
      if (deadline.didTimeout) break;
    }
    if (idleQueue.length) requestIdleCallback(scaleIdle, { timeout: 2000 });
  }

  function checkThumbsDone() {
    if (stats.thumbsDoneAt !== null || S.loaded < S.total || pixelQueue.length) return;
    const sheets = Math.ceil(S.total / S.meta.atlas.size);
    for (let s = 0; s < sheets; s++) if (S.atlases.get(S.variant + ":" + s) === "loading") return;
    requestAnimationFrame(() => { stats.thumbsDoneAt = performance.now(); requestIdleCallback(pregrid, { timeout: 3000 }); });
  }
  // The colour grid of the view as it is, drawn ahead once in idle time, so the first T is a copy of it
  // (otherwise that frame also averages and dots every song: ~25 ms at 10,000 on a laptop).
  function pregrid() {
    if (S.mode === "grid" || S.bscale !== 1 || !P) return;
    const mode = S.mode, cells = S.cells, thumbs = stats.lastThumbs;
    S.mode = "grid";
    const key = frameKey();
    if (!recentFrames.some((e) => e.key === key)) {
      const fb = frameBuffer(frame(), true);
      fillCells(fb);
      const drawn = blit(fb, true);
      stats.lastThumbs = 0;
      remember(key, fb, drawn);
    }
    S.mode = mode; S.cells = cells; stats.lastThumbs = thumbs;
  }

  function details(i) {
    if (!S.details.has(i)) S.details.set(i, getJSON(`api/tracks/${i}`));
    return S.details.get(i);
  }

  // ---- popup and audio -----------------------------------------------------------------------------------
  const popup = $("popup");
  let audioTimer = 0, shown = -1;

  function fmt(v, digits = 2) { return v == null ? "–" : Number(v).toFixed(digits); }
  // One figure in the popup; 0..1 values get a small bar, others an optional unit.
  function stat(label, value, digits, bar, unit = "") {
    const fill = bar ? `<div class="bar"><i style="width:${Math.round(Math.max(0, Math.min(1, value ?? 0)) * 100)}%"></i></div>` : "";
    return `<div><dt>${label}</dt><dd>${fmt(value, digits)}${value == null ? "" : unit}</dd>${fill}</div>`;
  }
  function escapeHTML(s) { return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`); }

  function showPopup(i) {
    shown = i;
    const v = Math.min(S.variant, S.nvar[i] - 1);
    $("popup-title").textContent = S.names[i];
    $("popup-artist").textContent = S.artists[i];
    $("popup-genre").textContent = S.meta.genres[S.genre[i]].name;
    $("popup-variant").textContent = S.nvar[i] > 1 ? `picture ${v + 1} / ${S.nvar[i]}` : "";
    $("popup-img").style.background = S.css[S.variant][i];
    $("popup-img").src = `api/preview/${i}/${v}.jpg`;
    // Where the song is plotted (x, y), which is what the map shows, whatever the JSON's own valence says.
    $("popup-stats").innerHTML = stat("valence", S.xs[i], 2, true) + stat("arousal", S.ys[i], 2, true) +
      stat("dance", null, 2, true) + stat("popularity", S.pop[i] < 0 ? null : S.pop[i], 0, false) +
      stat("loudness", null, 1, false);
    $("popup-position").textContent = `plotted at valence ${fmt(S.xs[i])}, arousal ${fmt(S.ys[i])}`;
    $("popup-prompt").textContent = "";
    $("popup-links").textContent = "";
    renderNear(i);
    $("popup-audio").textContent = "";
    $("popup-audio").classList.remove("failed");
    popup.classList.toggle("pinned", S.pinned === i);
    popup.hidden = false;
    placePopup(i);
    details(i).then((d) => {
      if (shown !== i) return;
      const item = d.data[v];
      $("popup-prompt").textContent = item.prompt ? `“${item.prompt}”` : "";
      renderLinks(d, item);
      const failed = audioFailed.has(item.audio_url);
      $("popup-audio").textContent = item.audio_missing ? "no audio: clip file missing" : !item.audio_url ? "no clip"
        : failed ? "clip failed to play" : S.sound ? "♪ clip" : "♪ muted";
      $("popup-audio").classList.toggle("failed", failed || item.audio_missing);
      $("popup-stats").innerHTML = stat("valence", S.xs[i], 2, true) + stat("arousal", S.ys[i], 2, true) +
        stat("dance", d.danceability, 2, true) + stat("popularity", d.popularity, 0, false) +
        stat("loudness", d.loudness, 1, false, " dB");
      // The JSON's own figures, when they differ from the plotted position (Spotify's, say).
      const own = [["valence", d.valence, d.x], ["energy", d.energy, d.y]].filter(([, v, p]) => v != null && Math.abs(v - p) > 0.005);
      $("popup-position").textContent = `plotted at valence ${fmt(S.xs[i])}, arousal ${fmt(S.ys[i])}` +
        (own.length ? ` · listed ${own.map(([n, v]) => `${n} ${fmt(v)}`).join(", ")}` : "");
      if (S.pinned === i) announce(`Pinned ${S.names[i]} by ${S.artists[i]}. ${$("popup-position").textContent}. ${$("popup-audio").textContent}. ${item.prompt || ""}`);
      placePopup(i);  // the prompt made it taller
    }).catch(() => {});
  }

  // From the song to its files: the full picture, the clip, the run's profile and folder, the track file.
  function renderLinks(d, item) {
    const box = $("popup-links");
    box.textContent = "";
    for (const [label, url] of [["full picture", item.image_url], ["clip", item.audio_url], ["profile", item.profile_url]]) {
      if (!url) continue;
      const a = document.createElement("a");
      a.href = url; a.target = "_blank"; a.rel = "noopener"; a.textContent = label;
      box.appendChild(a);
    }
    const where = item.run_folder || d.track_file;
    if (where) {
      const code = document.createElement("code");
      code.textContent = where; code.title = item.run_folder ? "run folder" : "track file";
      box.appendChild(code);
    }
  }
  // Neighbours in an embedding come from the server (cosine distance over every song that has it).
  function loadNeighbours(i) {
    getJSON(`api/neighbours/${i}?space=${encodeURIComponent(S.nnSpace)}&k=${NEIGHBOURS}`).then((r) => {
      if (S.pinned !== i || r.space !== S.nnSpace) return;
      S.neighbours = r.neighbours; drawOverlay(); renderNear(i);
    }).catch(() => {});
  }
  function renderNear(i) {
    const box = $("popup-near");
    box.textContent = "";
    if (S.pinned !== i) return;
    const spaces = ["mood", ...(S.meta.embeddings || [])];
    const head = document.createElement(spaces.length > 1 ? "select" : "span");
    if (spaces.length > 1) {  // which space the neighbours are found in
      head.setAttribute("aria-label", "nearest in");
      for (const sp of spaces) { const o = document.createElement("option"); o.value = sp; o.textContent = `nearest in ${sp}:`; head.appendChild(o); }
      head.value = S.nnSpace;
      head.addEventListener("change", () => { S.nnSpace = head.value; pin(i, false); });
    } else head.textContent = "nearest in mood:";
    box.appendChild(head);
    for (const j of S.neighbours.slice(0, 5)) {
      const b = document.createElement("button");
      b.type = "button"; b.className = "linklike"; b.textContent = S.names[j];
      b.title = `valence ${fmt(S.xs[j])}, arousal ${fmt(S.ys[j])}`;
      b.addEventListener("click", () => { S.focus = j; pin(j); });
      box.appendChild(b);
    }
  }

  function placePopup(i) {
    const [sx, sy] = toScreen(S.xs[i], S.ys[i]);
    const w = popup.offsetWidth || 300, h = popup.offsetHeight || 420, gap = thumbSize() / 2 + 12;
    if (S.width < 560) {  // a phone: a sheet along the edge of the map away from the song (CSS sets its size)
      popup.style.left = ""; popup.style.top = "";
      popup.classList.toggle("sheet-top", sy > S.height / 2);
      return;
    }
    let left = sx + gap, top = sy - h / 2;
    if (left + w > S.width - 8) left = sx - gap - w;
    left = Math.max(8, Math.min(S.width - w - 8, left));
    top = Math.max(8, Math.min(S.height - h - 8, top));
    popup.style.left = `${left}px`; popup.style.top = `${top}px`;
  }

  function hidePopup() { shown = -1; popup.hidden = true; }

  function playFor(i) {
    clearTimeout(audioTimer);
    if (!S.sound) return;
    // A short delay: sweeping the pointer across the map does not start (and cut) a clip per song.
    audioTimer = setTimeout(async () => {
      let d;
      try { d = await details(i); } catch { return; }
      if (shown !== i || !S.sound) return;
      const url = d.data[Math.min(S.variant, d.data.length - 1)].audio_url;
      if (!url) { player.pause(); return; }
      if (player.dataset.src !== url) { player.src = url; player.dataset.src = url; } else player.currentTime = 0;
      player.play().catch((err) => { if (err.name !== "AbortError") audioFailure(url, i); });
    }, AUDIO_DELAY_MS);
  }
  function stopAudio() { clearTimeout(audioTimer); player.pause(); }
  // A clip that cannot be decoded or fetched: the popup says so instead of staying silent.
  const audioFailed = new Set();
  function audioFailure(url, i = shown) {
    audioFailed.add(url);
    if (shown === i && shown >= 0) {
      $("popup-audio").textContent = "clip failed to play"; $("popup-audio").classList.add("failed");
      announce(`The clip of ${S.names[i]} failed to play.`);
    }
  }
  player.addEventListener("error", () => { if (player.dataset.src) audioFailure(player.dataset.src); });
  let announceTimer = 0;
  function announce(text) {  // the live region screen readers read out
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => { $("announce").textContent = text; }, 80);
  }

  function setHover(i) {
    if (i === S.hover) return;
    S.hover = i;
    overlay.classList.toggle("on-point", i >= 0);
    drawOverlay();
    if (S.pinned >= 0) return;  // a pinned popup stays until it is unpinned
    if (i >= 0) { showPopup(i); playFor(i); } else { hidePopup(); stopAudio(); }
  }

  function pin(i, play = true) {
    S.pinned = i;
    S.neighbours = i >= 0 && S.nnSpace === "mood" ? nearest(i, NEIGHBOURS) : [];
    if (i >= 0 && S.nnSpace !== "mood") loadNeighbours(i);
    if (i >= 0) { showPopup(i); if (play) playFor(i); } else if (S.hover >= 0) { showPopup(S.hover); playFor(S.hover); } else { hidePopup(); stopAudio(); }
    drawOverlay(); writeURL();
  }

  // ---- hit testing ---------------------------------------------------------------------------------------
  // ---- spatial index: the visible songs bucketed in a GRID_N × GRID_N grid over the unit square ------------
  // Each bucket lists its songs in draw order (rank = position in S.order), so hit tests and zoomed-in draws
  // look at the songs near the pointer or in view, not at all 10,000.
  const GRID_N = 64;  // 4,096 buckets: ~2-3 songs each at 10,000, a 20× view covers ~16 of them
  const IX = { start: new Int32Array(GRID_N * GRID_N + 1), items: new Int32Array(0), rank: new Int32Array(0) };
  const bucketOf = (v) => Math.min(GRID_N - 1, Math.max(0, Math.floor(v * GRID_N)));
  function buildIndex() {
    const n = S.order.length, count = new Int32Array(GRID_N * GRID_N + 1);
    if (IX.rank.length !== S.total) IX.rank = new Int32Array(S.total);
    IX.rank.fill(-1);
    for (let k = 0; k < n; k++) { const i = S.order[k]; IX.rank[i] = k; count[bucketOf(S.ys[i]) * GRID_N + bucketOf(S.xs[i]) + 1]++; }
    for (let b = 1; b <= GRID_N * GRID_N; b++) count[b] += count[b - 1];
    IX.start = count.slice();
    IX.items = new Int32Array(n);
    const fill = count.slice();
    for (let k = 0; k < n; k++) { const i = S.order[k]; IX.items[fill[bucketOf(S.ys[i]) * GRID_N + bucketOf(S.xs[i])]++] = i; }
  }
  // Visible songs whose position is inside [x0, x1] × [y0, y1] (data units), in draw order.
  function songsIn(x0, y0, x1, y1) {
    const out = [], c0 = bucketOf(x0), c1 = bucketOf(x1), r0 = bucketOf(y0), r1 = bucketOf(y1);
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const b = r * GRID_N + c;
        for (let q = IX.start[b]; q < IX.start[b + 1]; q++) {
          const i = IX.items[q];
          if (S.xs[i] >= x0 && S.xs[i] <= x1 && S.ys[i] >= y0 && S.ys[i] <= y1) out.push(i);
        }
      }
    }
    return out.sort((a, b) => IX.rank[a] - IX.rank[b]);
  }

  function hitTest(mx, my) {
    if (!P) return -1;
    const h = S.mode === "grid" ? 6 : thumbSize() / 2, span = 1 / S.zoom;
    const [x, y] = toData(mx, my), hx = h / P.w * span, hy = h / P.h * span;
    const near = songsIn(x - hx, y - hy, x + hx, y + hy);
    let best = -1, bestD = Infinity;
    for (let k = near.length - 1; k >= 0; k--) {  // topmost first
      const i = near[k], [sx, sy] = toScreen(S.xs[i], S.ys[i]);
      const dx = Math.abs(sx - mx), dy = Math.abs(sy - my);
      if (dx <= h && dy <= h) {
        if (S.mode !== "grid") return i;
        const d = dx * dx + dy * dy;
        if (d < bestD) { bestD = d; best = i; }
      }
    }
    return best;
  }

  // ---- view changes --------------------------------------------------------------------------------------
  function zoomAt(factor, sx = P.x + P.w / 2, sy = P.y + P.h / 2) {
    const [dx, dy] = toData(sx, sy);
    S.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, S.zoom * factor));
    const span = 1 / S.zoom;
    updateThumbSize();
    P = plot();
    S.cx = dx - (sx - P.x) / P.w * span + span / 2;
    S.cy = dy - (P.y + P.h - sy) / P.h * span + span / 2;
    clampView(); viewChanged();
  }
  function panBy(fx, fy) { S.cx += fx / S.zoom; S.cy += fy / S.zoom; clampView(); viewChanged(); }
  function resetView() { S.zoom = 1; S.cx = 0.5; S.cy = 0.5; viewChanged(); }
  function viewChanged() {
    if (S.pinned >= 0) requestAnimationFrame(() => placePopup(S.pinned)); else if (shown >= 0) setHover(-1);
    requestDraw(); writeURL();
  }
  function updateZoomLabel() { $("zoom-level").textContent = `${S.zoom < 10 ? S.zoom.toFixed(1) : Math.round(S.zoom)}×`; }

  function setMode(mode) {
    S.mode = mode;
    const grid = mode === "grid";
    $("btn-mode").classList.toggle("active", grid);
    $("btn-mode").setAttribute("aria-pressed", String(grid));
    $("mode-label").textContent = grid ? "Thumbnails" : "Colour grid";
    requestDraw(); writeURL();
  }
  function setVariant(v) {
    if (v < 0 || v >= S.maxVariants) return;
    S.variant = v;
    document.querySelectorAll("#variants button").forEach((b, k) => b.setAttribute("aria-pressed", String(k === v)));
    loadAtlases(v);
    requestDraw(); writeURL();
    if (shown >= 0) { showPopup(shown); if (S.pinned === shown || S.hover === shown) playFor(shown); }
  }
  function setSound(on) {
    S.sound = on;
    $("btn-sound").setAttribute("aria-pressed", String(on));
    $("sound-label").textContent = on ? "Sound on" : "Sound off";
    if (!on) stopAudio(); else if (shown >= 0) playFor(shown);
  }
  function setGrid(cols, rows) {
    const ok = (n) => Number.isInteger(n) && n >= 1 && n <= 32;
    if (!ok(cols) || !ok(rows)) return;
    S.grid = [cols, rows];
    $("grid-cols").value = cols; $("grid-rows").value = rows;
    requestDraw(); writeURL();
  }
  // The help dialog takes the focus while open and gives it back to where it was.
  let helpReturn = null;
  function toggleHelp(open = $("help").hidden) {
    if (open === !$("help").hidden) return;
    $("help").hidden = !open;
    if (open) { helpReturn = document.activeElement; $("help-close").focus(); } else if (helpReturn && helpReturn.focus) helpReturn.focus();
  }

  // ---- keyboard focus on songs, the list view ------------------------------------------------------------
  function inView(i) {
    const [sx, sy] = toScreen(S.xs[i], S.ys[i]), f = frame();
    return sx >= f.x && sx <= f.x + f.w && sy >= f.y && sy <= f.y + f.h;
  }
  // The nearest visible song in the arrow's direction: within 60° of it, distance weighted against straying.
  function neighbour(from, dx, dy) {
    const [fx, fy] = toScreen(S.xs[from], S.ys[from]);
    let best = -1, bestScore = Infinity;
    for (let k = 0; k < S.order.length; k++) {
      const i = S.order[k];
      if (i === from) continue;
      const [sx, sy] = toScreen(S.xs[i], S.ys[i]), vx = sx - fx, vy = sy - fy;
      const along = vx * dx + vy * dy, across = Math.abs(vx * dy - vy * dx);
      if (along <= 0.5 || across > along * 1.74) continue;
      const score = along + 2 * across;
      if (score < bestScore) { bestScore = score; best = i; }
    }
    return best;
  }
  function nearestToCentre() {
    let best = -1, bestD = Infinity;
    for (let k = 0; k < S.order.length; k++) {
      const i = S.order[k], dx = S.xs[i] - S.cx, dy = S.ys[i] - S.cy, d = dx * dx + dy * dy;
      if (d < bestD) { bestD = d; best = i; }
    }
    return best;
  }
  function setFocus(i) {
    if (i < 0) return;
    S.focus = i;
    if (!inView(i)) { S.cx = S.xs[i]; S.cy = S.ys[i]; clampView(); P = plot(); draw(); writeURL(); }
    if (S.pinned < 0) showPopup(i);
    drawOverlay();
    announce(`${S.names[i]} by ${S.artists[i]}, ${S.meta.genres[S.genre[i]].name}, valence ${fmt(S.xs[i])}, arousal ${fmt(S.ys[i])}. Enter to pin and play.`);
  }
  function moveFocus(dx, dy) {
    if (S.focus < 0 || !isVisible(S.focus)) { setFocus(S.pinned >= 0 ? S.pinned : nearestToCentre()); return; }
    const next = neighbour(S.focus, dx, dy);
    if (next >= 0) setFocus(next);
  }

  // The list of every song in view, virtualised: only the rows in the scrolled window exist in the page, so
  // 10,000 songs list as fast as 20. Sorted by popularity (as drawn, top first) or by a clicked column.
  const ROW_H = 29;  // px; fixed, so the scroll position says which rows show
  let listTimer = 0, listRows = [], listSort = { key: "popularity", dir: -1 };
  function toggleList(open = $("list").hidden) {
    $("list").hidden = !open;
    $("btn-list").setAttribute("aria-pressed", String(open));
    if (open) renderList();
  }
  function scheduleList() {
    if ($("list").hidden) return;
    clearTimeout(listTimer); listTimer = setTimeout(renderList, 150);  // after the view settles, off the frame
  }
  const LIST_KEYS = {
    title: (i) => S.names[i].toLowerCase(), artist: (i) => S.artists[i].toLowerCase(),
    genre: (i) => S.meta.genres[S.genre[i]].name, valence: (i) => S.xs[i], arousal: (i) => S.ys[i],
  };
  function renderList() {
    const rows = [];
    for (let k = S.order.length - 1; k >= 0; k--) { const i = S.order[k]; if (inView(i)) rows.push(i); }
    const key = LIST_KEYS[listSort.key];
    if (key) {
      const vals = new Map(rows.map((i) => [i, key(i)]));
      rows.sort((a, b) => { const x = vals.get(a), y = vals.get(b); return (x < y ? -1 : x > y ? 1 : 0) * listSort.dir; });
    }
    listRows = rows;
    $("list-caption").textContent = `${rows.length.toLocaleString()} songs in view, ` +
      (key ? `by ${listSort.key}, ${listSort.dir > 0 ? "ascending" : "descending"}.` : "most popular first.");
    document.querySelectorAll("#list thead th").forEach((th) => {
      th.setAttribute("aria-sort", th.dataset.key === listSort.key ? (listSort.dir > 0 ? "ascending" : "descending") : "none");
    });
    $("list-scroll").scrollTop = Math.min($("list-scroll").scrollTop, Math.max(0, rows.length * ROW_H - 200));
    renderListWindow();
  }
  function renderListWindow() {
    const box = $("list-scroll"), body = $("list-body"), n = listRows.length;
    const first = Math.max(0, Math.floor(box.scrollTop / ROW_H) - 10);
    const last = Math.min(n, Math.ceil((box.scrollTop + box.clientHeight) / ROW_H) + 10);
    body.textContent = "";
    const spacer = (h) => { const tr = document.createElement("tr"); tr.className = "spacer"; tr.style.height = `${h}px`; tr.setAttribute("aria-hidden", "true"); return tr; };
    if (first > 0) body.appendChild(spacer(first * ROW_H));
    for (let r = first; r < last; r++) {
      const i = listRows[r], tr = document.createElement("tr"), title = document.createElement("button");
      tr.setAttribute("aria-rowindex", String(r + 2));
      if (S.selected.has(i)) tr.className = "selected";
      title.type = "button"; title.className = "linklike"; title.textContent = S.names[i];
      title.addEventListener("click", (e) => { if (e.shiftKey) toggleSelected(i); else { S.focus = i; pin(i); } });
      const cells = [title, S.artists[i], S.meta.genres[S.genre[i]].name, fmt(S.xs[i]), fmt(S.ys[i])];
      cells.forEach((c, k) => {
        const td = document.createElement(k ? "td" : "th");
        if (!k) td.scope = "row";
        if (typeof c === "string") td.textContent = c; else td.appendChild(c);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
    if (last < n) body.appendChild(spacer((n - last) * ROW_H));
    $("list-table").setAttribute("aria-rowcount", String(n + 1));
  }

  // ---- research: value filters, colour by a field, selection and export, neighbours, play-through ---------
  const NEIGHBOURS = 8;          // nearest songs shown for a pinned song: enough to see a neighbourhood's spread
  const PLAY_SECONDS = 8;        // each song of a play-through, if its clip does not end first
  // Perceptually even colour scale (matplotlib's viridis at five stops), interpolated in sRGB.
  const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const GENRE_COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#86bcb6", "#d37295"];  // Tableau 10 (+2): distinct on the dark map
  function fieldValue(i, f) { return f === -2 ? S.xs[i] : f === -1 ? S.ys[i] : S.vals[i * S.fields.length + f]; }
  function fieldNames() { return [[-2, "valence"], [-1, "arousal"], ...S.fields.map((n, f) => [f, n])].filter(([f, n]) => f < 0 || n !== "valence"); }
  function inRanges(i, ranges) {
    for (const [f, [lo, hi]] of ranges) { const v = fieldValue(i, f); if (!(v >= lo && v <= hi)) return false; }
    return true;
  }
  function fieldExtent(f) {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < S.loaded; i++) { const v = fieldValue(i, f); if (v < lo) lo = v; if (v > hi) hi = v; }
    return lo <= hi ? [lo, hi] : [0, 1];
  }
  function buildResearch() {
    const box = $("ranges");
    box.textContent = "";
    for (const [f, name] of fieldNames()) {
      const row = document.createElement("div");
      row.className = "range";
      row.innerHTML = `<span class="rname"></span><input type="number" step="any" data-end="0" aria-label=""><span>–</span><input type="number" step="any" data-end="1" aria-label="">`;
      row.querySelector(".rname").textContent = name;
      const [lo, hi] = f < 0 ? [0, 1] : fieldExtent(f), digits = hi - lo > 20 ? 0 : 2;
      row.querySelectorAll("input").forEach((input, end) => {
        input.placeholder = (end ? hi : lo).toFixed(digits);
        input.setAttribute("aria-label", `${name} ${end ? "at most" : "at least"}`);
        input.dataset.field = String(f);
        input.addEventListener("input", () => setRange(f, row));
      });
      box.appendChild(row);
    }
    const sel = $("color-by");
    for (const name of ["genre", ...fieldNames().map(([, n]) => n)]) {
      const o = document.createElement("option"); o.value = name; o.textContent = name; sel.appendChild(o);
    }
    sel.addEventListener("change", () => setColorBy(sel.value));
    $("sel-csv").addEventListener("click", () => exportSelection("csv"));
    $("sel-json").addEventListener("click", () => exportSelection("json"));
    $("sel-view").addEventListener("click", () => { for (let k = 0; k < S.order.length; k++) if (inView(S.order[k])) S.selected.add(S.order[k]); selectionChanged(); });
    $("sel-clear").addEventListener("click", () => { S.selected.clear(); selectionChanged(); });
    $("sel-play").addEventListener("click", () => (S.playing ? stopPlayThrough() : playThrough()));
    $("list-scroll").addEventListener("scroll", () => requestAnimationFrame(renderListWindow));
    document.querySelectorAll("#list thead th").forEach((th) => th.querySelector("button").addEventListener("click", () => {
      listSort = { key: th.dataset.key, dir: listSort.key === th.dataset.key ? -listSort.dir : th.dataset.key === "title" || th.dataset.key === "artist" || th.dataset.key === "genre" ? 1 : -1 };
      renderList();
    }));
    selectionChanged();
    // Value filters and colour-by from the address bar ("r=tempo:90:120", "c=energy").
    const rows = [...box.querySelectorAll(".range")], names = fieldNames();
    for (const item of S.urlRanges || []) {
      const [name, lo, hi] = item.split(":"), k = names.findIndex(([, n]) => n === name);
      if (k < 0) continue;
      const inputs = rows[k].querySelectorAll("input");
      inputs[0].value = lo || ""; inputs[1].value = hi || "";
      setRange(names[k][0], rows[k]);
    }
    if (S.urlColor && ["genre", ...names.map(([, n]) => n)].includes(S.urlColor)) setColorBy(S.urlColor);
  }
  function setRange(f, row) {
    const [a, b] = [...row.querySelectorAll("input")].map((x) => (x.value === "" ? NaN : Number(x.value)));
    if (Number.isNaN(a) && Number.isNaN(b)) S.ranges.delete(f);
    else S.ranges.set(f, [Number.isNaN(a) ? -Infinity : a, Number.isNaN(b) ? Infinity : b]);
    applyFilter(); writeURL();
  }
  function setColorBy(name) {
    S.colorBy = name;
    $("color-by").value = name;
    writeURL();
    const legend = $("legend");
    if (!name) { S.byAbgr = S.byCss = null; legend.hidden = true; requestDraw(); return; }
    const n = S.total, abgr = new Uint32Array(n), css = new Array(n);
    const put = (i, [r, g, b]) => { abgr[i] = (0xff000000 | (b << 16) | (g << 8) | r) >>> 0; css[i] = `rgb(${r},${g},${b})`; };
    legend.textContent = "";
    const title = document.createElement("div"); title.className = "ltitle"; title.textContent = name; legend.appendChild(title);
    if (name === "genre") {
      const rgb = (k) => { const h = GENRE_COLORS[k % GENRE_COLORS.length]; return [1, 3, 5].map((o) => parseInt(h.slice(o, o + 2), 16)); };
      for (let i = 0; i < n; i++) put(i, rgb(S.genre[i]));
      S.meta.genres.forEach((g, k) => {
        const item = document.createElement("div"); item.className = "litem";
        item.innerHTML = `<i style="background:${GENRE_COLORS[k % GENRE_COLORS.length]}"></i><span></span>`;
        item.querySelector("span").textContent = g.name; legend.appendChild(item);
      });
    } else {
      const f = fieldNames().find(([, m]) => m === name)[0], [lo, hi] = fieldExtent(f), span = hi - lo || 1;
      for (let i = 0; i < n; i++) {
        const v = fieldValue(i, f);
        if (!(v === v)) { put(i, [90, 94, 104]); continue; }  // unknown: grey
        const t = Math.max(0, Math.min(1, (v - lo) / span)) * (VIRIDIS.length - 1), k = Math.min(VIRIDIS.length - 2, Math.floor(t)), u = t - k;
        put(i, VIRIDIS[k].map((c, ch) => Math.round(c + (VIRIDIS[k + 1][ch] - c) * u)));
      }
      const bar = document.createElement("div"); bar.className = "lbar";
      bar.style.background = `linear-gradient(90deg, ${VIRIDIS.map((c) => `rgb(${c})`).join(", ")})`;
      const ends = document.createElement("div"); ends.className = "lends";
      const digits = span > 20 ? 0 : 2;
      ends.innerHTML = "<span></span><span></span>";
      ends.children[0].textContent = lo.toFixed(digits); ends.children[1].textContent = hi.toFixed(digits);
      legend.append(bar, ends);
      const unknown = document.createElement("div"); unknown.className = "litem";
      unknown.innerHTML = `<i style="background:rgb(90,94,104)"></i><span>unknown</span>`; legend.appendChild(unknown);
    }
    S.byAbgr = abgr; S.byCss = css; legend.hidden = false;
    requestDraw();
  }
  function toggleSelected(i) {
    if (S.selected.has(i)) S.selected.delete(i); else S.selected.add(i);
    selectionChanged();
  }
  function selectionChanged() {
    const n = S.selected.size;
    $("sel-count").textContent = n ? `${n.toLocaleString()} song${n === 1 ? "" : "s"} selected` : "Shift-click songs or Shift-drag a lasso to select.";
    for (const id of ["sel-csv", "sel-json", "sel-clear"]) $(id).disabled = n === 0;
    drawOverlay(); scheduleList();
  }
  // Point-in-polygon (even-odd rule) for every visible song: the lasso is in screen pixels.
  function finishLasso() {
    const poly = S.lasso;
    S.lasso = null;
    if (poly.length < 3) {  // a Shift-click: toggle the song under the pointer
      const i = hitTest(poly[0][0], poly[0][1]);
      if (i >= 0) toggleSelected(i); else drawOverlay();
      return;
    }
    for (let k = 0; k < S.order.length; k++) {
      const i = S.order[k], [x, y] = toScreen(S.xs[i], S.ys[i]);
      let inside = false;
      for (let a = 0, b = poly.length - 1; a < poly.length; b = a++) {
        const [xa, ya] = poly[a], [xb, yb] = poly[b];
        if ((ya > y) !== (yb > y) && x < ((xb - xa) * (y - ya)) / (yb - ya) + xa) inside = !inside;
      }
      if (inside) S.selected.add(i);
    }
    selectionChanged();
  }
  async function exportSelection(format) {
    const indices = [...S.selected].sort((a, b) => a - b);
    const r = await fetch("api/export", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ indices, format }) });
    if (!r.ok) { announce(`Export failed: HTTP ${r.status}`); return; }
    const url = URL.createObjectURL(await r.blob()), a = document.createElement("a");
    a.href = url; a.download = `selection-${indices.length}.${format}`;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  // The nearest songs to i in mood space (valence, arousal), among those shown.
  function nearest(i, k) {
    const best = [];
    for (let q = 0; q < S.order.length; q++) {
      const j = S.order[q];
      if (j === i) continue;
      const dx = S.xs[j] - S.xs[i], dy = S.ys[j] - S.ys[i], d = dx * dx + dy * dy;
      if (best.length < k || d < best[best.length - 1][0]) {
        best.push([d, j]); best.sort((a, b) => a[0] - b[0]); if (best.length > k) best.pop();
      }
    }
    return best.map(([, j]) => j);
  }
  function drawResearch(ctx) {
    const s = S.mode === "grid" ? 8 : thumbSize(), h = s / 2 + 2, f = frame();
    ctx.save();
    ctx.beginPath(); ctx.rect(f.x, f.y, f.w, f.h); ctx.clip();
    if (S.selected.size) {  // a blue frame with a dark halo: visible over any picture
      const boxes = [];
      for (const i of S.selected) {
        const [x, y] = toScreen(S.xs[i], S.ys[i]);
        if (x < f.x - h || x > f.x + f.w + h || y < f.y - h || y > f.y + f.h + h) continue;
        boxes.push([x - h, y - h]);
        if (boxes.length >= 4000) break;
      }
      for (const [width, color] of [[4, "rgba(0,0,0,.65)"], [2, "#6cc4ff"]]) {
        ctx.lineWidth = width; ctx.strokeStyle = color;
        ctx.beginPath(); for (const [x, y] of boxes) ctx.rect(x, y, 2 * h, 2 * h); ctx.stroke();
      }
    }
    if (S.pinned >= 0 && S.neighbours.length) {
      const [px, py] = toScreen(S.xs[S.pinned], S.ys[S.pinned]);
      ctx.setLineDash([4, 3]); ctx.lineWidth = 1.5; ctx.strokeStyle = "rgba(240,180,76,.9)";
      for (const j of S.neighbours) {
        const [x, y] = toScreen(S.xs[j], S.ys[j]);
        ctx.beginPath(); ctx.moveTo(px, py); ctx.lineTo(x, y); ctx.stroke();
      }
      ctx.setLineDash([]);
      for (const j of S.neighbours) {
        const [x, y] = toScreen(S.xs[j], S.ys[j]);
        ctx.beginPath(); ctx.arc(x, y, 4, 0, 2 * Math.PI); ctx.fillStyle = "#f0b44c"; ctx.fill();
      }
    }
    if (S.lasso && S.lasso.length > 1) {
      ctx.beginPath(); ctx.moveTo(...S.lasso[0]); for (const p of S.lasso) ctx.lineTo(...p); ctx.closePath();
      ctx.fillStyle = "rgba(108,196,255,.12)"; ctx.fill();
      ctx.setLineDash([5, 4]); ctx.lineWidth = 1.5; ctx.strokeStyle = "#6cc4ff"; ctx.stroke(); ctx.setLineDash([]);
    }
    ctx.restore();
  }
  // Play-through: the selection (or, with none, the songs in view) in a path through mood space, each pinned
  // with its clip for PLAY_SECONDS or until the clip ends. Esc or the button stops it.
  function playThrough() {
    let pool = S.selected.size ? [...S.selected] : [];
    if (!pool.length) for (let k = 0; k < S.order.length; k++) if (inView(S.order[k])) pool.push(S.order[k]);
    if (!pool.length) return;
    pool = pool.slice(0, 500);
    const path = [pool.reduce((a, b) => (S.xs[b] < S.xs[a] ? b : a))], left = new Set(pool);
    left.delete(path[0]);
    while (left.size) {  // greedy nearest neighbour: a walk through the mood space, not a jump per song
      const last = path[path.length - 1];
      let best = -1, bd = Infinity;
      for (const j of left) { const d = (S.xs[j] - S.xs[last]) ** 2 + (S.ys[j] - S.ys[last]) ** 2; if (d < bd) { bd = d; best = j; } }
      path.push(best); left.delete(best);
    }
    if (!S.sound) setSound(true);
    S.playing = { list: path, k: -1, timer: 0 };
    $("sel-play").textContent = "Stop"; $("sel-play").setAttribute("aria-pressed", "true");
    stepPlayThrough();
  }
  function stepPlayThrough() {
    const p = S.playing;
    if (!p) return;
    clearTimeout(p.timer);
    p.k++;
    if (p.k >= p.list.length) { stopPlayThrough(); return; }
    const i = p.list[p.k];
    if (!inView(i)) { S.cx = S.xs[i]; S.cy = S.ys[i]; clampView(); viewChanged(); }
    pin(i);
    $("sel-playing").textContent = `Playing ${p.k + 1} / ${p.list.length}: ${S.names[i]}`;
    p.timer = setTimeout(stepPlayThrough, PLAY_SECONDS * 1000);
  }
  function stopPlayThrough() {
    if (!S.playing) return;
    clearTimeout(S.playing.timer);
    S.playing = null;
    $("sel-play").textContent = "Play through"; $("sel-play").setAttribute("aria-pressed", "false");
    $("sel-playing").textContent = "";
    stopAudio();
  }
  player.addEventListener("ended", () => { if (S.playing) stepPlayThrough(); });

  // ---- genres, search, status ----------------------------------------------------------------------------
  function buildGenres() {
    const box = $("genres");
    box.innerHTML = "";
    S.meta.genres.forEach((g, k) => {
      const label = document.createElement("label");
      label.className = "genre";
      label.innerHTML = `<input type="checkbox" data-genre="${k}"><span class="gname"></span><span class="count"></span>`;
      label.querySelector(".gname").textContent = g.name;
      label.querySelector(".count").textContent = g.count.toLocaleString();
      box.appendChild(label);
    });
    $("genre-total").textContent = S.total.toLocaleString();
    box.addEventListener("change", (e) => {
      const k = Number(e.target.dataset.genre);
      if (e.target.checked) S.hiddenGenres.delete(k); else S.hiddenGenres.add(k);
      syncGenreBoxes(); applyFilter(); writeURL();
    });
    $("genre-all").addEventListener("change", (e) => {
      S.hiddenGenres = e.target.checked ? new Set() : new Set(S.meta.genres.map((_, k) => k));
      syncGenreBoxes(); applyFilter(); writeURL();
    });
  }
  function syncGenreBoxes() {
    document.querySelectorAll("#genres input").forEach((box) => { box.checked = !S.hiddenGenres.has(Number(box.dataset.genre)); });
    const all = $("genre-all"), hidden = S.hiddenGenres.size;
    all.checked = hidden === 0; all.indeterminate = hidden > 0 && hidden < S.meta.genres.length;
  }

  function updateStatus() {
    const loading = S.loaded < S.total ? ` · loading ${S.loaded.toLocaleString()} / ${S.total.toLocaleString()}` : "";
    $("status").innerHTML = `Showing <b>${S.order.length.toLocaleString()}</b> of <b>${S.total.toLocaleString()}</b> songs${loading}` +
      (matchMedia("(hover: none)").matches ? `<br>Tap a picture to see it and hear its clip.` : `<br>Hover a picture to hear its clip; click to pin.`);
  }

  let resultSel = 0, resultItems = [];
  function renderResults() {
    const list = $("results"), q = S.query.trim();
    if (!q || document.activeElement !== $("search")) {
      list.hidden = true; $("search").setAttribute("aria-expanded", "false"); $("search").removeAttribute("aria-activedescendant");
      return;
    }
    resultItems = Array.from(S.order.slice(-200)).reverse().slice(0, 8);  // most popular matches first
    resultSel = Math.min(resultSel, Math.max(0, resultItems.length - 1));
    list.innerHTML = resultItems.length ? "" : `<li class="empty">No song matches “${escapeHTML(q)}”</li>`;
    const search = $("search");
    search.setAttribute("aria-expanded", String(resultItems.length > 0));
    if (resultItems.length) search.setAttribute("aria-activedescendant", `result-${resultSel}`);
    else search.removeAttribute("aria-activedescendant");
    resultItems.forEach((i, k) => {
      const li = document.createElement("li");
      li.id = `result-${k}`;
      li.setAttribute("role", "option"); li.setAttribute("aria-selected", String(k === resultSel));
      li.innerHTML = `<span class="sw" style="background:${S.css[S.variant][i]}"></span><span class="title"></span><span class="artist"></span>`;
      li.querySelector(".title").textContent = S.names[i];
      li.querySelector(".artist").textContent = "· " + S.artists[i];
      li.addEventListener("mousedown", (e) => { e.preventDefault(); focusTrack(i); });
      list.appendChild(li);
    });
    list.hidden = false;
  }
  function focusTrack(i) {
    $("results").hidden = true; $("search").blur();
    S.zoom = Math.max(S.zoom, 2); S.cx = S.xs[i]; S.cy = S.ys[i]; clampView();
    P = plot(); draw(); pin(i); writeURL();
  }

  // ---- URL state -----------------------------------------------------------------------------------------
  let urlTimer = 0;
  function writeURL() {
    clearTimeout(urlTimer);
    urlTimer = setTimeout(() => {
      const p = new URLSearchParams();
      if (S.mode === "grid") p.set("view", "grid");
      if (S.variant) p.set("v", S.variant + 1);
      if (S.zoom !== 1) { p.set("z", S.zoom.toFixed(3)); p.set("cx", S.cx.toFixed(4)); p.set("cy", S.cy.toFixed(4)); }
      if (S.grid[0] !== S.defaultGrid[0] || S.grid[1] !== S.defaultGrid[1]) p.set("grid", `${S.grid[0]}x${S.grid[1]}`);
      const hidden = [...S.hiddenGenres], names = S.meta.genres.map((g) => g.name);
      if (hidden.length && hidden.length <= names.length / 2) hidden.forEach((k) => p.append("hide", names[k]));
      else if (hidden.length) names.forEach((n, k) => { if (!S.hiddenGenres.has(k)) p.append("only", n); });
      if (hidden.length === names.length) p.set("only", "");
      if (S.query) p.set("q", S.query);
      const fields = new Map(fieldNames());
      for (const [f, [lo, hi]] of S.ranges) p.append("r", `${fields.get(f)}:${Number.isFinite(lo) ? lo : ""}:${Number.isFinite(hi) ? hi : ""}`);
      if (S.colorBy) p.set("c", S.colorBy);
      if (S.pinned >= 0) p.set("pin", S.ids[S.pinned]);
      const qs = p.toString();
      history.replaceState(null, "", qs ? `?${qs}` : location.pathname);
    }, 120);
  }
  function readURL() {
    const p = new URLSearchParams(location.search), names = S.meta.genres.map((g) => g.name);
    if (p.get("view") === "grid") S.mode = "grid";
    const v = parseInt(p.get("v"), 10);
    if (v >= 1 && v <= S.maxVariants) S.variant = v - 1;
    const z = parseFloat(p.get("z")), cx = parseFloat(p.get("cx")), cy = parseFloat(p.get("cy"));
    if (Number.isFinite(z)) S.zoom = z;
    if (Number.isFinite(cx)) S.cx = cx;
    if (Number.isFinite(cy)) S.cy = cy;
    clampView();
    const g = /^(\d+)x(\d+)$/.exec(p.get("grid") || "");
    if (g) { const c = +g[1], r = +g[2]; if (c >= 1 && c <= 32 && r >= 1 && r <= 32) S.grid = [c, r]; }
    if (p.has("only")) {
      const only = new Set(p.getAll("only"));
      names.forEach((n, k) => { if (!only.has(n)) S.hiddenGenres.add(k); });
    }
    p.getAll("hide").forEach((n) => { const k = names.indexOf(n); if (k >= 0) S.hiddenGenres.add(k); });
    S.query = p.get("q") || "";
    S.pinId = p.get("pin");
    S.urlRanges = p.getAll("r"); S.urlColor = p.get("c") || "";
  }

  // ---- input ---------------------------------------------------------------------------------------------
  function bindInput() {
    let drag = null, pinch = null;
    const touches = new Map();  // pointerId -> [x, y] of every finger on the map
    // Two fingers: the zoom follows their spread and the map point under their midpoint stays under it (so
    // moving both pans too). A pinch never pins a song, and lifting one finger does not turn into a drag.
    const startPinch = () => {
      const [[x1, y1], [x2, y2]] = [...touches.values()];
      const mx = (x1 + x2) / 2, my = (y1 + y2) / 2;
      pinch = { dist: Math.max(1, Math.hypot(x2 - x1, y2 - y1)), zoom: S.zoom, at: toData(mx, my) };
      drag = null; overlay.classList.remove("dragging"); setHover(-1);
    };
    const movePinch = () => {
      const [[x1, y1], [x2, y2]] = [...touches.values()];
      const mx = (x1 + x2) / 2, my = (y1 + y2) / 2;
      S.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, pinch.zoom * Math.hypot(x2 - x1, y2 - y1) / pinch.dist));
      updateThumbSize(); P = plot();
      const span = 1 / S.zoom;
      S.cx = pinch.at[0] - (mx - P.x) / P.w * span + span / 2;
      S.cy = pinch.at[1] - (P.y + P.h - my) / P.h * span + span / 2;
      clampView(); viewChanged();
    };
    overlay.addEventListener("pointerdown", (e) => {
      if (e.pointerType === "touch") {
        touches.set(e.pointerId, [e.offsetX, e.offsetY]);
        if (touches.size === 2) { startPinch(); return; }
        if (touches.size > 2 || pinch) return;
      }
      if (e.shiftKey && e.pointerType === "mouse") {  // Shift: click toggles a song, drag draws a lasso
        S.lasso = [[e.offsetX, e.offsetY]];
        setHover(-1);  // the hover popup would hide the lasso
        overlay.setPointerCapture(e.pointerId);
        return;
      }
      // A finger is wider than a mouse pointer and wobbles: a tap may move a little and still be a tap.
      drag = { x: e.offsetX, y: e.offsetY, cx: S.cx, cy: S.cy, moved: false, slop: e.pointerType === "mouse" ? 4 : 10 };
      overlay.setPointerCapture(e.pointerId);
    });
    overlay.addEventListener("pointermove", (e) => {
      if (touches.has(e.pointerId)) touches.set(e.pointerId, [e.offsetX, e.offsetY]);
      if (pinch) { if (touches.size >= 2) movePinch(); return; }
      if (S.lasso) { S.lasso.push([e.offsetX, e.offsetY]); drawOverlay(); return; }
      if (drag) {
        const dx = e.offsetX - drag.x, dy = e.offsetY - drag.y;
        if (!drag.moved && Math.hypot(dx, dy) < drag.slop) return;
        if (!drag.moved) { drag.moved = true; overlay.classList.add("dragging"); }
        S.cx = drag.cx - dx / P.w / S.zoom; S.cy = drag.cy + dy / P.h / S.zoom;
        clampView(); viewChanged();
        return;
      }
      setHover(hitTest(e.offsetX, e.offsetY));
    });
    const lift = (e) => {
      touches.delete(e.pointerId);
      if (pinch) { if (touches.size === 0) pinch = null; return true; }  // the end of a pinch pins nothing
      return false;
    };
    overlay.addEventListener("pointercancel", (e) => { lift(e); drag = null; overlay.classList.remove("dragging"); });
    overlay.addEventListener("pointerup", (e) => {
      if (lift(e)) return;
      if (S.lasso) { finishLasso(); return; }
      const wasDrag = drag && drag.moved;
      if (!drag) return;
      drag = null; overlay.classList.remove("dragging");
      if (wasDrag) return;
      const i = hitTest(e.offsetX, e.offsetY);
      if (i >= 0) S.focus = i;
      pin(i >= 0 && i !== S.pinned ? i : -1);
    });
    overlay.addEventListener("pointerleave", () => { if (!drag) setHover(-1); });
    overlay.addEventListener("wheel", (e) => {
      e.preventDefault();
      zoomAt(Math.exp(-e.deltaY * 0.0015), e.offsetX, e.offsetY);
    }, { passive: false });
    overlay.addEventListener("dblclick", (e) => zoomAt(2, e.offsetX, e.offsetY));

    $("btn-mode").addEventListener("click", () => setMode(S.mode === "grid" ? "thumbs" : "grid"));
    $("btn-zoom-in").addEventListener("click", () => zoomAt(1.5));
    $("btn-zoom-out").addEventListener("click", () => zoomAt(1 / 1.5));
    $("btn-reset").addEventListener("click", resetView);
    $("pan-reset").addEventListener("click", resetView);
    for (const [id, fx, fy] of [["pan-left", -0.1, 0], ["pan-right", 0.1, 0], ["pan-up", 0, 0.1], ["pan-down", 0, -0.1]]) {
      $(id).addEventListener("click", () => panBy(fx, fy));
    }
    $("btn-sound").addEventListener("click", () => setSound(!S.sound));
    $("btn-help").addEventListener("click", () => toggleHelp());
    $("btn-list").addEventListener("click", () => toggleList());
    $("list-close").addEventListener("click", () => toggleList(false));
    $("btn-filters").addEventListener("click", () => setDrawer(!document.body.classList.contains("drawer-open")));
    $("drawer-close").addEventListener("click", () => setDrawer(false));
    document.addEventListener("pointerdown", (e) => {  // a tap beside the open drawer closes it
      if (document.body.classList.contains("drawer-open") && !$("sidebar").contains(e.target) && e.target !== $("btn-filters")) setDrawer(false);
    });
    mapEl.addEventListener("focus", drawOverlay);
    mapEl.addEventListener("blur", drawOverlay);
    $("help").addEventListener("keydown", (e) => {  // keep Tab inside the dialog while it is open
      if (e.key !== "Tab") return;
      e.preventDefault(); $("help-close").focus();
    });
    $("help-close").addEventListener("click", () => toggleHelp(false));
    $("help").addEventListener("click", (e) => { if (e.target === $("help")) toggleHelp(false); });
    $("popup-close").addEventListener("click", () => pin(-1));
    for (const id of ["grid-cols", "grid-rows"]) {
      $(id).addEventListener("change", () => setGrid(parseInt($("grid-cols").value, 10), parseInt($("grid-rows").value, 10)));
    }

    const search = $("search");
    search.addEventListener("input", () => {  // every keystroke filters at once: a 10,000-song scan is ~1 ms
      S.query = search.value; resultSel = 0; applyFilter(); renderResults(); writeURL();
    });
    search.addEventListener("focus", renderResults);
    search.addEventListener("blur", () => { $("results").hidden = true; });
    search.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        resultSel = (resultSel + (e.key === "ArrowDown" ? 1 : -1) + resultItems.length) % Math.max(1, resultItems.length);
        renderResults();
      } else if (e.key === "Enter") {
        S.query = search.value; applyFilter(); renderResults();
        if (resultItems.length) focusTrack(resultItems[resultSel]);
      } else if (e.key === "Escape") {
        search.blur();
      }
    });

    window.addEventListener("keydown", (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey || swallows(e.target, e.key)) return;
      const k = e.key, onMap = document.activeElement === mapEl;
      const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      if (!$("help").hidden && k !== "Escape" && k !== "?") return;  // the dialog is modal
      if (k in arrows && onMap && !e.shiftKey) moveFocus(...arrows[k]);
      else if (k in arrows) panBy(arrows[k][0] * 0.1, -arrows[k][1] * 0.1);
      else if (k === "Enter" && onMap) { if (S.focus >= 0) pin(S.focus === S.pinned ? -1 : S.focus); else moveFocus(0, 0); }
      else if (k === "t" || k === "T") setMode(S.mode === "grid" ? "thumbs" : "grid");
      else if ((k === "s" || k === "S") && onMap && S.focus >= 0) { toggleSelected(S.focus); announce(`${S.names[S.focus]} ${S.selected.has(S.focus) ? "selected" : "unselected"}; ${S.selected.size} selected`); }
      else if (/^[1-9]$/.test(k)) setVariant(Number(k) - 1);
      else if (k === "+" || k === "=") zoomAt(1.5);
      else if (k === "-" || k === "_") zoomAt(1 / 1.5);
      else if (k === "0") resetView();
      else if (k === "m" || k === "M") setSound(!S.sound);
      else if (k === "l" || k === "L") toggleList();
      else if (k === "/") search.focus();
      else if (k === "?") toggleHelp();
      else if (k === "Escape") {
        if (S.playing) stopPlayThrough();
        else if (!$("help").hidden) toggleHelp(false);
        else if (document.body.classList.contains("drawer-open")) setDrawer(false);
        else pin(-1);
      } else return;
      e.preventDefault();
    });
    new ResizeObserver(resize).observe(mapEl);
  }

  // Only text fields keep the keys typed into them; a checkbox or button keeps just Space and Enter, and a
  // number field its digits, signs and arrows, so T, M, L, ? and Esc work wherever the focus was left.
  function swallows(target, key) {
    if (!(target instanceof HTMLElement)) return false;
    if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
    if (target instanceof HTMLInputElement) {
      const type = target.type;
      if (type === "checkbox" || type === "radio") return key === " ";
      if (type === "number") return /^[0-9+\-.eE]$/.test(key) || key.startsWith("Arrow") || key === "Enter" || key === "Backspace" || key === "Delete";
      return true;
    }
    if (target instanceof HTMLButtonElement) return key === " " || key === "Enter";
    return false;
  }

  // Phones: the filters live in a drawer over the map.
  function setDrawer(open) {
    document.body.classList.toggle("drawer-open", open);
    $("btn-filters").setAttribute("aria-expanded", String(open));
    if (open) $("genre-all").focus(); else if (document.activeElement && $("sidebar").contains(document.activeElement)) $("btn-filters").focus();
  }

  function buildVariantButtons() {
    const box = $("variants");
    box.innerHTML = "";
    if (S.maxVariants < 2) return;
    for (let v = 0; v < Math.min(9, S.maxVariants); v++) {
      const b = document.createElement("button");
      b.type = "button"; b.className = "variant"; b.title = `Show picture variant ${v + 1} (${v + 1})`;
      b.textContent = String(v + 1);
      b.setAttribute("aria-pressed", String(v === S.variant));
      b.addEventListener("click", () => setVariant(v));
      box.appendChild(b);
    }
  }

  // ---- start ---------------------------------------------------------------------------------------------
  async function start() {
    const meta = JSON.parse($("meta").textContent);  // inlined by the server: one round trip fewer
    allocate(meta);
    const pages = requestPages();
    S.grid = meta.grid.slice(); S.defaultGrid = meta.grid.slice();
    readURL();
    buildGenres(); syncGenreBoxes(); buildVariantButtons();
    $("search").value = S.query;
    $("grid-cols").value = S.grid[0]; $("grid-rows").value = S.grid[1];
    setMode(S.mode);
    bindInput();
    resize();
    updateStatus();
    await loadPoints(pages);
    buildResearch();
    stats.ready = true;
  }
  start().catch((err) => { $("status").textContent = `Could not load the map: ${err.message}`; console.error(err); });
})();
